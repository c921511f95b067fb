pub fn now() -> i64 {
    unsafe { libc_time() }
}

unsafe fn libc_time() -> i64 {
    0
}
