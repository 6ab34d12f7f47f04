use std::process::ExitCode;

use clap::Parser;
use hallscore::cli::{Cli, CliError, run};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read the output has all they wanted (`| head`).
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(CliError::Problems { file, problems }) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("错误:{file}:共 {} 处错误,未写入任何数据", problems.len());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("错误:{e}");
            ExitCode::FAILURE
        }
    }
}
