pub struct RawBuf(Vec<u8>);

impl RawBuf {
    pub fn first(&self) -> u8 {
        // SAFETY: the buffer is never empty.
        unsafe { *self.0.get_unchecked(0) }
    }
}
