//! Health benchmark (being written).

fn main() {}
