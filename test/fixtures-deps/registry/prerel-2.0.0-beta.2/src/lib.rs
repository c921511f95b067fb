pub unsafe fn experimental() {}
