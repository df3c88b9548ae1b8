//! Genesis presets. The node's chain specs only name one of these.
//!
//! - `development`: Alice authors and finalizes alone, is sudo and the only worker; every
//!   well-known dev account holds [`ENDOWMENT`].
//! - `local_testnet`: Alice, Bob, Charlie and Dave are authorities and workers; same accounts and
//!   sudo.
//!
//! Each genesis worker bonds [`GENESIS_WORKER_BOND`] out of its **stash**'s endowment
//! (`//Alice//stash`, ...) and signs with the dev account as its **worker key** (`//Alice`,
//! the `mlwk` key `--dev`/`--alice` put in the node's keystore), so the node never holds the
//! key that controls the stake. Both presets
//! register the engine's digits classifier ([`DIGITS_MODEL`], model 0, owned by Alice, fee
//! [`DEMO_MODEL_FEE`]); predictions need one identical answer on the dev chain (redundancy
//! and quorum 1) and two of three (drawn from the four workers) on the local testnet, and bounties draw as many evaluators
//! with the same quorum.
//!
//! Authority lists are written out explicitly (`aura.authorities`, `grandpa.authorities`) so
//! network tools such as zombienet can rewrite them in a raw or plain chain spec.

use crate::*;
use alloc::{string::String, vec, vec::Vec};
use polkadot_sdk::{
	frame_support::build_struct_json_patch,
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_consensus_grandpa::AuthorityId as GrandpaId,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;

/// Free balance of each well-known dev account at genesis: one million MDC.
pub const ENDOWMENT: Balance = 1_000_000 * MDC;
/// The demo model: an 8x8 handwritten-digits MLP (input: 64 pixels 0..=16, each sent as
/// `pixel - 128`; output: the digit).
pub const DIGITS_MODEL: &[u8] = include_bytes!("../../primitives/nn/fixtures/digits_mlp.bin");
/// Fee of the demo model per prediction: 0.01 MDC.
pub const DEMO_MODEL_FEE: Balance = 10 * MILLI_MDC;
/// Fee of each agreeing worker per prediction: 0.01 MDC.
pub const WORKER_FEE: Balance = 10 * MILLI_MDC;

/// Bond of each genesis worker, held out of its endowment: 10,000 MDC (ten times
/// `MinWorkerBond`, so a few slashes do not push it out of the draw).
pub const GENESIS_WORKER_BOND: Balance = 10_000 * MDC;

fn testnet_genesis(
	initial_authorities: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	workers: Vec<Sr25519Keyring>,
	(redundancy, quorum): (u32, u32),
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		ml_staking: MlStakingConfig {
			workers: workers
				.into_iter()
				.map(|k| (worker_stash(k), k.to_account_id(), GENESIS_WORKER_BOND))
				.collect::<Vec<_>>(),
		},
		ml_models: MlModelsConfig {
			models: vec![(
				Sr25519Keyring::Alice.to_account_id(),
				DIGITS_MODEL.to_vec(),
				DEMO_MODEL_FEE,
				b"digits-mlp: 8x8 handwritten digits, input 64 x (pixel 0..=16 - 128), output class 0-9".to_vec(),
			)],
		},
		ml_predictions: MlPredictionsConfig { redundancy, quorum, worker_fee: WORKER_FEE },
		// Bounties are scored by as many evaluators, with the same quorum.
		ml_bounties: MlBountiesConfig { evaluators: redundancy, quorum },
	})
}

/// The stash of dev worker `key` (`//Alice` -> `//Alice//stash`).
pub fn worker_stash(key: Sr25519Keyring) -> AccountId {
	let stash = match key {
		Sr25519Keyring::Alice => Sr25519Keyring::AliceStash,
		Sr25519Keyring::Bob => Sr25519Keyring::BobStash,
		Sr25519Keyring::Charlie => Sr25519Keyring::CharlieStash,
		Sr25519Keyring::Dave => Sr25519Keyring::DaveStash,
		Sr25519Keyring::Eve => Sr25519Keyring::EveStash,
		Sr25519Keyring::Ferdie => Sr25519Keyring::FerdieStash,
		other => other,
	};
	stash.to_account_id()
}

fn authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(sr.public().into(), ed.public().into())
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// The `development` preset: one authority (Alice).
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		vec![Sr25519Keyring::Alice],
		(1, 1),
	)
}

/// The `local_testnet` preset: four authorities and workers (Alice, Bob, Charlie, Dave).
/// GRANDPA finalizes with more than two thirds of the voters: with four, losing one does not
/// stop finality (with three it would), and predictions still find two of three drawn workers.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		LOCAL_WORKERS.to_vec(),
		(3, 2),
	)
}

/// The local testnet's authorities and genesis workers.
pub const LOCAL_WORKERS: [Sr25519Keyring; 4] =
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];

/// The JSON patch of a preset, or `None` for an unknown name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	// Serializing a `serde_json::Value` cannot fail.
	serde_json::to_string(&patch).ok().map(String::into_bytes)
}

/// Names of the presets this runtime provides.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
