pub fn poke(p: *mut u8) {
    unsafe { *p = 1 }
}
