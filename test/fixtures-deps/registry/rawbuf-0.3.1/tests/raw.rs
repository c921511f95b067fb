// Tests are not compiled into dependents: not counted.
#[test]
fn reads() {
    unsafe { std::ptr::null::<u8>(); }
}
