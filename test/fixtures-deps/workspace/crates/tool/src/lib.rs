pub fn tool() {}
