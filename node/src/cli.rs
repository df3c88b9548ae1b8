//! Command line: `sc-cli`'s run command plus the usual subcommands.

use polkadot_sdk::sc_cli;

/// Subcommands of `modelchain-node`.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: `key insert --key-type mlwk --scheme sr25519` adds a worker key.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated in favour of `export-chain-spec`).
	#[deprecated(note = "build-spec will be removed; use export-chain-spec instead")]
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification of a built-in chain (`dev`, `local`) or a file.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// The node's command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one, the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the running node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// The engine that runs the off-chain workers' models: `native` (this node's, compiled for
	/// its CPU; the default) or `runtime` (the runtime's own wasm engine, what a node without
	/// ModelChain's host functions would run; both give the same bits). For measuring and
	/// comparing the two paths; blocks are always executed by the runtime's engine.
	#[arg(long, value_enum, default_value_t = OffchainEngine::Native)]
	pub offchain_engine: OffchainEngine,
}

/// Where off-chain workers run models (see `Cli::offchain_engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OffchainEngine {
	/// The node's native engine (`modelchain-nn-host`).
	Native,
	/// The runtime's wasm engine.
	Runtime,
}
