mod ffi;

pub struct RawBuf {
    ptr: *mut u8,
    len: usize,
}

unsafe impl Send for RawBuf {}
unsafe impl Sync for RawBuf {}

pub unsafe trait Zeroable {}

impl RawBuf {
    pub unsafe fn from_raw(ptr: *mut u8, len: usize) -> Self {
        RawBuf { ptr, len }
    }

    pub fn first(&self) -> u8 {
        unsafe { *self.ptr }
    }

    pub fn get(&self, i: usize) -> Option<u8> {
        if i < self.len {
            Some(unsafe { *self.ptr.add(i) })
        } else {
            None
        }
    }
}
