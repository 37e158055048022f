//! The `equiframe` command-line tool.

fn main() {
    println!("equiframe {}", env!("CARGO_PKG_VERSION"));
}
