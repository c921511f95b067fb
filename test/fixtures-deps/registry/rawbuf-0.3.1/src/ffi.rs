extern "C" {
    fn abs(x: i32) -> i32;
}

pub fn absolute(x: i32) -> i32 {
    unsafe { abs(x) }
}

pub unsafe extern "C" fn callback(p: *const u8) -> u8 {
    unsafe { *p }
}

pub fn twice(x: i32) -> i32 {
    unsafe { abs(x) + abs(x) }
}
