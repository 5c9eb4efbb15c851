fn main() -> std::process::ExitCode {
    outsourcing_bot::cli::main()
}
