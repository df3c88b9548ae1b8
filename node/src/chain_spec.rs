//! Built-in chain specifications. Each only names a runtime genesis preset; the genesis state
//! itself is defined in the runtime (`genesis_config_presets.rs`).

use modelchain_runtime::{fast_runtime, WASM_BINARY};
use polkadot_sdk::{
	sc_service::{ChainType, Properties},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
};

/// A chain spec of this node.
pub type ChainSpec = polkadot_sdk::sc_service::GenericChainSpec;

/// Properties polkadot.js apps reads to show ModelCoin: symbol, decimals, SS58 prefix.
pub fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), modelchain_runtime::TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), modelchain_runtime::TOKEN_DECIMALS.into());
	p.insert("ss58Format".into(), modelchain_runtime::SS58_PREFIX.into());
	p
}

/// The runtime a chain runs: the production one, or the one with short periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Periods {
	/// The periods the README's constants table gives (two days to unbond).
	Production,
	/// `modelchain_runtime::configs::periods` with `fast-runtime` (45 blocks to unbond).
	Fast,
}

fn wasm(periods: Periods) -> Result<&'static [u8], String> {
	let wasm = match periods {
		Periods::Production => WASM_BINARY,
		Periods::Fast => fast_runtime::WASM_BINARY,
	};
	wasm.ok_or_else(|| "the runtime wasm was not built (SKIP_WASM_BUILD set?)".to_string())
}

fn spec(name: &str, id: &str, chain_type: ChainType, preset: &str, periods: Periods) -> Result<ChainSpec, String> {
	let (name, id) = match periods {
		Periods::Production => (name.to_string(), id.to_string()),
		Periods::Fast => (format!("{name} (fast periods)"), format!("{id}_fast")),
	};
	Ok(ChainSpec::builder(wasm(periods)?, None)
		.with_name(&name)
		.with_id(&id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev` (`--chain dev-fast` with `Periods::Fast`): Alice alone authors, finalizes and is a worker.
pub fn development_chain_spec(periods: Periods) -> Result<ChainSpec, String> {
	spec("ModelChain Development", "modelchain_dev", ChainType::Development, DEV_RUNTIME_PRESET, periods)
}

/// `--chain local` (`local-fast`): Alice, Bob and Charlie author, finalize and are workers.
pub fn local_chain_spec(periods: Periods) -> Result<ChainSpec, String> {
	spec("ModelChain Local Testnet", "modelchain_local", ChainType::Local, LOCAL_TESTNET_RUNTIME_PRESET, periods)
}
