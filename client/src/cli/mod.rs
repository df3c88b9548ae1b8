//! The command line: arguments, dispatch, and how results are printed (a table or lines for
//! people, one JSON document with `--json`).

use clap::{Parser, Subcommand};
use serde_json::Value;
use subxt_signer::sr25519::Keypair;

use modelchain_client::{keys, Client};

mod account;
mod bounty;
mod model;
mod predict;
mod worker;

/// ModelChain from the command line: accounts, models, predictions, bounties and workers.
///
/// Keys come from `--suri` or the MLC_SURI environment variable (a dev name like //Alice, a
/// mnemonic, or a 0x seed); they are never printed or logged.
#[derive(Debug, Parser)]
#[command(name = "mlc", version, about, long_about = None)]
pub struct Cli {
	/// The node's WebSocket RPC address.
	#[arg(long, global = true, env = "MLC_URL", default_value = "ws://127.0.0.1:9944")]
	pub url: String,
	/// The signing key: a secret URI (//Alice, a mnemonic[//derivation], or a 0x seed).
	#[arg(long, global = true, env = "MLC_SURI", hide_env_values = true)]
	pub suri: Option<String>,
	/// Print one JSON document instead of text.
	#[arg(long, global = true)]
	pub json: bool,
	#[command(subcommand)]
	pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
	/// An account's balance: free, held and frozen MDC.
	Balance {
		/// SS58 address or dev account (//Bob); default: the --suri account.
		account: Option<String>,
	},
	/// Sends MDC from the --suri account.
	Transfer {
		/// SS58 address or dev account (//Bob).
		#[arg(long)]
		to: String,
		/// Amount in MDC (e.g. 1.5), or Planck with the suffix `planck`.
		#[arg(long)]
		amount: String,
	},
	/// Models: quantize, register, list, show, set-fee, retire.
	#[command(subcommand)]
	Model(model::ModelCommand),
	/// Asks a model for a prediction and waits for the workers' answer.
	Predict(predict::PredictArgs),
	/// Prediction requests.
	#[command(subcommand)]
	Request(predict::RequestCommand),
	/// Challenges a prediction result: the chain re-executes the model (costs the challenge
	/// deposit if the result stands).
	Challenge {
		/// The request id.
		id: u64,
	},
	/// Bounties: list, status.
	#[command(subcommand)]
	Bounty(bounty::BountyCommand),
	/// Workers: bond, set-key, register, unbond, withdraw, status.
	#[command(subcommand)]
	Worker(worker::WorkerCommand),
}

/// What a command prints: the same facts as text and as JSON.
pub struct Report {
	pub json: Value,
	pub text: String,
}

impl Report {
	pub fn new(json: Value, text: impl Into<String>) -> Self {
		Report { json, text: text.into() }
	}

	pub fn print(&self, json: bool) {
		if json {
			println!("{}", serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| self.json.to_string()));
		} else if !self.text.is_empty() {
			println!("{}", self.text.trim_end());
		}
	}
}

/// What every command gets: the connection (made on first use), the key and the output mode.
pub struct Ctx {
	url: String,
	suri: Option<String>,
	pub json: bool,
	client: Option<Client>,
	/// Transaction fees this command paid so far (every report shows the total).
	pub fees_paid: u128,
}

impl Ctx {
	pub async fn client(&mut self) -> anyhow::Result<&Client> {
		if self.client.is_none() {
			self.client = Some(Client::connect(&self.url).await?);
		}
		Ok(self.client.as_ref().expect("connected above"))
	}

	/// The signing key; its absence is an error that says how to give one.
	pub fn signer(&self) -> anyhow::Result<Keypair> {
		let suri = self.suri.as_deref().ok_or_else(|| {
			anyhow::anyhow!("this command signs a transaction: pass --suri (or set MLC_SURI), e.g. --suri //Alice")
		})?;
		keys::from_suri(suri)
	}

	/// A spinner on stderr while waiting (hidden with `--json` or when stderr is not a
	/// terminal).
	pub fn spinner(&self, message: impl Into<String>) -> indicatif::ProgressBar {
		let bar = if self.json { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new_spinner() };
		bar.set_message(message.into());
		bar.enable_steady_tick(std::time::Duration::from_millis(120));
		bar
	}
}

/// A command that failed, and the fees it paid before and for the failure (a transaction
/// included in a block pays its fee even when its call fails).
pub struct Failed {
	pub error: anyhow::Error,
	pub fees_paid: u128,
}

pub async fn run(cli: Cli) -> Result<Report, Failed> {
	let mut ctx = Ctx { url: cli.url, suri: cli.suri, json: cli.json, client: None, fees_paid: 0 };
	let result = command(&mut ctx, cli.command).await;
	let mut report = result.map_err(|error| Failed { error, fees_paid: ctx.fees_paid })?;
	if ctx.fees_paid > 0 {
		if let Some(object) = report.json.as_object_mut() {
			object.insert("fees_paid".into(), Value::String(ctx.fees_paid.to_string()));
		}
	}
	Ok(report)
}

async fn command(ctx: &mut Ctx, command: Command) -> anyhow::Result<Report> {
	match command {
		Command::Balance { account } => account::balance(ctx, account).await,
		Command::Transfer { to, amount } => account::transfer(ctx, &to, &amount).await,
		Command::Model(c) => model::run(ctx, c).await,
		Command::Predict(args) => predict::predict(ctx, args).await,
		Command::Request(c) => predict::request(ctx, c).await,
		Command::Challenge { id } => predict::challenge(ctx, id).await,
		Command::Bounty(c) => bounty::run(ctx, c).await,
		Command::Worker(c) => worker::run(ctx, c).await,
	}
}

/// A table with a header row, for lists.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
	let mut t = comfy_table::Table::new();
	t.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
	t.set_header(header.iter().copied());
	for row in rows {
		t.add_row(row);
	}
	t.to_string()
}
