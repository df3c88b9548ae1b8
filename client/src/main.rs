//! `mlc`: ModelChain from the command line. `mlc --help` lists the commands; every command that
//! prints takes `--json`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
	let args = cli::Cli::parse();
	let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(runtime) => runtime,
		Err(e) => {
			eprintln!("error: cannot start the async runtime: {e}");
			return ExitCode::FAILURE;
		}
	};
	let json = args.json;
	match runtime.block_on(cli::run(args)) {
		Ok(report) => {
			report.print(json);
			ExitCode::SUCCESS
		}
		Err(cli::Failed { error, fees_paid }) => {
			if json {
				println!(
					"{}",
					serde_json::json!({ "error": format!("{error:#}"), "fees_paid": fees_paid.to_string() })
				);
			}
			eprintln!("error: {error:#}");
			ExitCode::FAILURE
		}
	}
}
