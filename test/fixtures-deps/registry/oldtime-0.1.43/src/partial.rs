pub fn broken( {
    unsafe { 1 }
