//! Runtime-level tests: genesis presets, configuration invariants, metadata and ModelCoin
//! constants. Pallet behaviour is tested in each pallet against a mock runtime.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{
	configs::monetary::TreasuryAccount,
	genesis_config_presets::{ENDOWMENT, GENESIS_WORKER_BOND},
	*,
};
use codec::Decode;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use polkadot_sdk::{
	frame_support::{
		dispatch::GetDispatchInfo,
		genesis_builder_helper::build_state,
		traits::{fungible::Inspect, IntegrityTest},
	},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
	sp_io::TestExternalities,
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};

/// Merges a JSON patch into a base value the way the node's chain-spec loader does: objects
/// merge key by key, anything else replaces.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// Builds the genesis state of a preset as the node does: the preset's patch over the default
/// genesis config.
fn preset_ext(name: &str) -> TestExternalities {
	let patch = genesis_config_presets::get_preset(&name.into()).unwrap_or_else(|| panic!("preset {name} exists"));
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let mut ext = TestExternalities::default();
	ext.execute_with(|| {
		build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
			.expect("preset builds a genesis state")
	});
	ext
}

const ALL_PALLETS: [&str; 13] = [
	"System",
	"Timestamp",
	"Aura",
	"Grandpa",
	"Balances",
	"TransactionPayment",
	"Treasury",
	"Sudo",
	"Utility",
	"Preimage",
	"MlStaking",
	"MlModels",
	"MlPredictions",
];

#[test]
fn preset_names_are_listed() {
	let names: Vec<String> =
		genesis_config_presets::preset_names().into_iter().map(|p| String::from_utf8(p.into()).unwrap()).collect();
	assert_eq!(names, vec![DEV_RUNTIME_PRESET.to_string(), LOCAL_TESTNET_RUNTIME_PRESET.into()]);
	assert!(genesis_config_presets::get_preset(&"no_such_preset".into()).is_none());
}

#[test]
fn development_preset_builds_genesis() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		for k in Sr25519Keyring::well_known() {
			assert_eq!(Balances::total_balance(&k.to_account_id()), ENDOWMENT, "{k:?} is endowed");
		}
		// pallet-treasury creates its account with the existential deposit at genesis.
		assert_eq!(Balances::balance(&TreasuryAccount::get()), EXISTENTIAL_DEPOSIT);
		assert_eq!(Balances::total_issuance(), ENDOWMENT * 12 + EXISTENTIAL_DEPOSIT);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice));

		let aura: Vec<_> = pallet_aura::Authorities::<Runtime>::get().into_inner();
		assert_eq!(aura, vec![Sr25519Keyring::Alice.public().into()]);
		let grandpa = Grandpa::grandpa_authorities();
		assert_eq!(grandpa, vec![(Ed25519Keyring::Alice.public().into(), 1)]);

		assert_genesis_workers(&[Sr25519Keyring::Alice]);
		assert_demo_model_and_parameters(1, 1);
		AllPalletsWithSystem::integrity_test();
	});
}

/// Exactly the stashes of `workers` are registered and drawable, each with
/// [`GENESIS_WORKER_BOND`] held out of its endowment (a hold, so the balance and the issuance
/// are unchanged) and the dev account as its worker key.
fn assert_genesis_workers(workers: &[Sr25519Keyring]) {
	use genesis_config_presets::worker_stash;
	use modelchain_primitives::traits::WorkerRegistry;
	use polkadot_sdk::frame_support::traits::fungible::InspectHold;
	let reason: RuntimeHoldReason = pallet_ml_staking::HoldReason::Staking.into();
	assert_eq!(MlStaking::active_worker_count(), workers.len() as u32);
	let stashes: Vec<AccountId> = workers.iter().map(|k| worker_stash(*k)).collect();
	for k in workers {
		assert_eq!(MlStaking::worker_of_key(&k.to_account_id()), Some(worker_stash(*k)), "{k:?}");
		assert_ne!(worker_stash(*k), k.to_account_id(), "{k:?}");
	}
	for k in Sr25519Keyring::well_known() {
		let who = k.to_account_id();
		let is_worker = stashes.contains(&who);
		assert_eq!(MlStaking::is_active_worker(&who), is_worker, "{k:?}");
		let bond = if is_worker { GENESIS_WORKER_BOND } else { 0 };
		assert_eq!(MlStaking::stake_of(&who), bond, "{k:?}");
		assert_eq!(Balances::balance_on_hold(&reason, &who), bond, "{k:?}");
		assert_eq!(Balances::total_balance(&who), ENDOWMENT, "{k:?}");
	}
	assert_eq!(pallet_ml_staking::TotalStaked::<Runtime>::get(), GENESIS_WORKER_BOND * workers.len() as Balance);
}

/// Model 0 is the digits fixture, owned by Alice, its blob requested in pallet-preimage; new
/// requests use `redundancy` and `quorum`.
fn assert_demo_model_and_parameters(redundancy: u32, quorum: u32) {
	use genesis_config_presets::{DEMO_MODEL_FEE, DIGITS_MODEL, WORKER_FEE};
	use modelchain_primitives::models::ModelRegistry;
	use polkadot_sdk::frame_support::traits::QueryPreimage;
	let model = MlModels::model(0).expect("the demo model is registered at genesis");
	assert_eq!(model.owner, Sr25519Keyring::Alice.to_account_id());
	assert_eq!(model.fee, DEMO_MODEL_FEE);
	assert_eq!((model.input_len, model.output_len, model.cost), (64, 10, 2_506));
	assert_eq!(model.blob_hash, polkadot_sdk::sp_io::hashing::blake2_256(DIGITS_MODEL).into());
	assert!(<Preimage as QueryPreimage>::is_requested(&model.blob_hash));
	let loaded = <MlModels as ModelRegistry<AccountId>>::load(0).unwrap();
	let direct = modelchain_nn::Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	assert_eq!(loaded, direct);
	assert_eq!(
		pallet_ml_predictions::Params::<Runtime>::get(),
		Some(pallet_ml_predictions::Parameters { redundancy, quorum, worker_fee: WORKER_FEE })
	);
}

#[test]
fn local_testnet_preset_has_three_authorities() {
	preset_ext(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let aura: Vec<_> = pallet_aura::Authorities::<Runtime>::get().into_inner();
		let expected: Vec<_> = [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
			.into_iter()
			.map(|k| k.public().into())
			.collect();
		assert_eq!(aura, expected);
		let grandpa: Vec<_> = Grandpa::grandpa_authorities().into_iter().map(|(id, _)| id).collect();
		let expected: Vec<_> = [Ed25519Keyring::Alice, Ed25519Keyring::Bob, Ed25519Keyring::Charlie]
			.into_iter()
			.map(|k| k.public().into())
			.collect();
		assert_eq!(grandpa, expected);
		assert_genesis_workers(&[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]);
		assert_demo_model_and_parameters(3, 2);
		AllPalletsWithSystem::integrity_test();
	});
}

#[test]
fn preset_authorities_are_explicit_in_json() {
	// Network tools rewrite these two keys; they must be present in the preset itself.
	let patch = genesis_config_presets::get_preset(&DEV_RUNTIME_PRESET.into()).unwrap();
	let json: serde_json::Value = serde_json::from_slice(&patch).unwrap();
	assert!(json["aura"]["authorities"].is_array(), "{json}");
	assert!(json["grandpa"]["authorities"].is_array(), "{json}");
}

fn pallet_names(version: u32) -> Vec<String> {
	let opaque = Runtime::metadata_at_version(version).unwrap_or_else(|| panic!("metadata V{version} is served"));
	let prefixed = RuntimeMetadataPrefixed::decode(&mut &opaque[..]).expect("metadata decodes");
	match prefixed.1 {
		RuntimeMetadata::V15(m) => m.pallets.into_iter().map(|p| p.name).collect(),
		RuntimeMetadata::V16(m) => m.pallets.into_iter().map(|p| p.name).collect(),
		other => panic!("asked for V{version}, got V{}", other.version()),
	}
}

#[test]
fn metadata_v15_and_v16_list_every_pallet() {
	assert_eq!(Runtime::metadata_versions(), vec![14, 15, 16]);
	for version in [15, 16] {
		assert_eq!(pallet_names(version), ALL_PALLETS, "metadata V{version}");
	}
}

#[test]
fn modelcoin_constants_match_docs() {
	assert_eq!(TOKEN_SYMBOL, "MDC");
	assert_eq!(TOKEN_DECIMALS, 12);
	assert_eq!(MDC, 1_000_000_000_000);
	// 0.001 MDC, as the README says.
	assert_eq!(<Runtime as pallet_balances::Config>::ExistentialDeposit::get(), 1_000_000_000);
	assert_eq!(<Runtime as frame_system::Config>::SS58Prefix::get(), 42);
	assert_eq!(SS58_PREFIX, 42);
	assert_eq!(VERSION.spec_name, "modelchain");
}

#[test]
fn staking_constants_match_docs() {
	use pallet_ml_staking::Config;
	use polkadot_sdk::{frame_support::traits::Get, sp_runtime::Perbill};
	// The README's "ModelChain constants" table.
	assert_eq!(<Runtime as Config>::MinBond::get(), 10 * MDC);
	assert_eq!(<Runtime as Config>::MinWorkerBond::get(), 1_000 * MDC);
	assert_eq!(<Runtime as Config>::UnbondingPeriod::get(), 28_800);
	assert_eq!(<Runtime as Config>::SlashDeferDuration::get(), 1_200);
	assert_eq!(<Runtime as Config>::LongestOffenceWindow::get(), 14_400);
	assert_eq!(<Runtime as Config>::ActivationDelay::get(), 100);
	assert_eq!(<<Runtime as Config>::MaxConsecutiveMisses as Get<u32>>::get(), 5u32);
	assert_eq!(<Runtime as Config>::LivenessSlashCap::get(), Perbill::from_percent(2));
	assert_eq!(<Runtime as Config>::SlashRewardFraction::get(), Perbill::from_percent(10));
	assert_eq!(<Runtime as Config>::ChallengeDeposit::get(), 10 * MDC);
	assert_eq!(<<Runtime as Config>::MaxUnbondingChunks as Get<u32>>::get(), 32u32);
	assert_eq!(<<Runtime as Config>::MaxWorkers as Get<u32>>::get(), 1024u32);
	assert_eq!(<<Runtime as Config>::MaxTrackedOffences as Get<u32>>::get(), 64u32);
	assert_eq!(<<Runtime as Config>::MaxSlashesPerBlock as Get<u32>>::get(), 64u32);
	// A challenge that clears a dissenter comes before the dissenter's slash.
	assert!(
		<Runtime as pallet_ml_predictions::Config>::ChallengeWindow::get()
			< <Runtime as Config>::SlashDeferDuration::get()
	);
	assert_eq!(GENESIS_WORKER_BOND, 10_000 * MDC);
	// Nobody unbonds out of a slash: the offence window and the deferral end first.
	assert!(
		<Runtime as Config>::UnbondingPeriod::get()
			> <Runtime as Config>::LongestOffenceWindow::get() + <Runtime as Config>::SlashDeferDuration::get()
	);
}

#[test]
fn a_four_mib_blob_fits_in_a_normal_transaction() {
	let length = configs::system::RuntimeBlockLength::get();
	let normal = *length.max.get(polkadot_sdk::frame_support::dispatch::DispatchClass::Normal) as usize;
	// The blob plus call and signature overhead.
	assert!(normal > 4 * 1024 * 1024 + 1024, "normal block length {normal}");
}

#[test]
fn session_keys_include_the_worker_key() {
	use polkadot_sdk::sp_runtime::traits::OpaqueKeys;
	let ids = SessionKeys::key_ids();
	assert!(ids.contains(&WORKER_KEY_TYPE), "{ids:?}");
	assert!(ids.contains(&polkadot_sdk::sp_core::crypto::key_types::AURA));
	assert!(ids.contains(&polkadot_sdk::sp_core::crypto::key_types::GRANDPA));
}

#[test]
fn transfer_fee_is_small_and_slashes_go_to_treasury() {
	use polkadot_sdk::frame_support::traits::{
		fungible::Balanced,
		tokens::{Fortitude, Precision, Preservation},
		OnUnbalanced,
	};
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Bob.to_account_id().into(),
			value: MDC,
		});
		let info = call.get_dispatch_info();
		let fee = TransactionPayment::compute_fee(150, &info, 0);
		assert!(fee > MICRO_MDC && fee < MILLI_MDC, "transfer fee {fee} Planck");

		// `OnSlash` (and the fee handler, the same type) pays into the treasury: nothing is
		// burnt, so total issuance is unchanged.
		let treasury_before = Balances::balance(&TreasuryAccount::get());
		let issuance_before = Balances::total_issuance();
		let alice = Sr25519Keyring::Alice.to_account_id();
		let alice_before = Balances::balance(&alice);
		let credit = <Balances as Balanced<AccountId>>::withdraw(
			&alice,
			MDC,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.unwrap();
		configs::monetary::OnSlash::on_unbalanced(credit);
		assert_eq!(Balances::balance(&TreasuryAccount::get()), treasury_before + MDC);
		assert_eq!(Balances::balance(&alice), alice_before - MDC);
		assert_eq!(Balances::total_issuance(), issuance_before);
	});
}

/// The three market pallets together, as the runtime wires them (no mocks): a wrong quorum is
/// challenged, the dissenter who was right is cleared, the wrong workers' fees go back at once
/// and their slashes land after the deferral with the challenger's reward.
mod market {
	use super::*;
	use genesis_config_presets::DIGITS_MODEL;
	use modelchain_primitives::traits::WorkerRegistry;
	use pallet_ml_predictions::Prediction;
	use polkadot_sdk::{
		frame_support::traits::{fungible::InspectHold, OnInitialize},
		sp_runtime::Perbill,
	};

	type P = Prediction<<Runtime as pallet_ml_predictions::Config>::MaxOutputLen>;

	fn run_to_block(n: BlockNumber) {
		while System::block_number() < n {
			let next = System::block_number() + 1;
			System::set_block_number(next);
			AllPalletsWithSystem::on_initialize(next);
		}
	}

	fn staked(who: &AccountId) -> Balance {
		Balances::balance_on_hold(&pallet_ml_staking::HoldReason::Staking.into(), who)
	}

	#[test]
	fn a_challenge_overturns_a_wrong_quorum_with_real_staking() {
		preset_ext(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			System::set_block_number(1);
			let issuance = Balances::total_issuance();
			let requester = Sr25519Keyring::Dave.to_account_id();
			let challenger = Sr25519Keyring::Eve.to_account_id();
			let input: Vec<i8> = (0..64u32).map(|i| (((i * 3 + 1) % 17) as i16 - 128) as i8).collect();
			assert_ok(MlPredictions::request_prediction(
				RuntimeOrigin::signed(requester.clone()),
				0,
				input.clone().try_into().unwrap(),
				MDC,
			));
			let workers = pallet_ml_predictions::Requests::<Runtime>::get(0).unwrap().workers.into_inner();
			assert_eq!(workers.len(), 3);
			let key = |stash: &AccountId| MlStaking::key_of_worker(stash).expect("genesis workers have keys");
			let model = modelchain_nn::Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
			let right = P::from_output(model.run(&input).unwrap()).unwrap();
			let Prediction::Class(c) = right else { unreachable!("a classifier") };
			let wrong = P::Class((c + 1) % 10);
			let answer = |stash: &AccountId, p: &P| {
				MlPredictions::submit_predictions(
					RuntimeOrigin::signed(key(stash)),
					vec![(0, p.clone())].try_into().unwrap(),
				)
			};
			// A stash cannot answer for itself: only its worker key signs.
			assert!(MlPredictions::submit_predictions(
				RuntimeOrigin::signed(workers[0].clone()),
				vec![(0, right.clone())].try_into().unwrap()
			)
			.is_err());
			// The honest worker answers first; two colluders outvote it.
			answer(&workers[2], &right).unwrap();
			answer(&workers[0], &wrong).unwrap();
			answer(&workers[1], &wrong).unwrap();
			assert_eq!(MlPredictions::result(0).unwrap().output, wrong);
			// The dissenter was reported and chilled; its span waits for the deferral.
			assert!(pallet_ml_staking::UnappliedSlashes::<Runtime>::contains_key(&workers[2]));
			assert!(!MlStaking::is_active_worker(&workers[2]));
			let fee = genesis_config_presets::WORKER_FEE;

			let requester_before = Balances::total_balance(&requester);
			let challenger_before = Balances::total_balance(&challenger);
			assert_ok(MlPredictions::challenge(RuntimeOrigin::signed(challenger.clone()), 0));
			// The deposit came back, the fees went back to the requester at once, the dissenter is clear.
			assert_eq!(Balances::total_balance(&challenger), challenger_before);
			assert_eq!(Balances::total_balance(&requester), requester_before + 2 * fee);
			assert!(!pallet_ml_staking::UnappliedSlashes::<Runtime>::contains_key(&workers[2]));
			assert_eq!(MlPredictions::result(0).unwrap().output, right);
			assert_eq!(MlPredictions::result(0).unwrap().agreeing.into_inner(), vec![workers[2].clone()]);
			for w in &workers[..2] {
				assert_eq!(staked(w), GENESIS_WORKER_BOND - fee);
				assert!(!MlStaking::is_active_worker(w), "a wrong answer chills at once");
			}

			// Nothing more is taken before the deferral (2 hours after the challenge's report).
			let defer = <Runtime as pallet_ml_staking::Config>::SlashDeferDuration::get();
			run_to_block(1 + defer - 1);
			assert_eq!(staked(&workers[0]), GENESIS_WORKER_BOND - fee);
			run_to_block(1 + defer);
			// 10 % of the stake the span saw at its report (before the claw-back).
			let slash = Perbill::from_percent(10).mul_floor(GENESIS_WORKER_BOND);
			for w in &workers[..2] {
				assert_eq!(staked(w), GENESIS_WORKER_BOND - fee - slash);
				assert!(!pallet_ml_staking::UnappliedSlashes::<Runtime>::contains_key(w));
			}
			assert_eq!(staked(&workers[2]), GENESIS_WORKER_BOND, "the dissenter who was right keeps everything");
			// The challenger, the only reporter, gets 10 % of each slash; the rest went to the treasury.
			let reward = Perbill::from_percent(10).mul_floor(slash);
			assert_eq!(Balances::total_balance(&challenger), challenger_before + 2 * reward);
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}

	fn assert_ok(r: polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo) {
		assert!(r.is_ok(), "{r:?}");
	}
}
