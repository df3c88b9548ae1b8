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

const ALL_PALLETS: [&str; 14] = [
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
	"MlBounties",
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
	assert_eq!((model.input_len, model.output_len, model.cost), (64, 10, 4_096));
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
fn local_testnet_preset_has_four_authorities() {
	preset_ext(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let aura: Vec<_> = pallet_aura::Authorities::<Runtime>::get().into_inner();
		let expected: Vec<_> = genesis_config_presets::LOCAL_WORKERS.into_iter().map(|k| k.public().into()).collect();
		assert_eq!(aura, expected);
		let grandpa: Vec<_> = Grandpa::grandpa_authorities().into_iter().map(|(id, _)| id).collect();
		let expected: Vec<_> =
			[Ed25519Keyring::Alice, Ed25519Keyring::Bob, Ed25519Keyring::Charlie, Ed25519Keyring::Dave]
				.into_iter()
				.map(|k| k.public().into())
				.collect();
		assert_eq!(grandpa, expected);
		assert_genesis_workers(&genesis_config_presets::LOCAL_WORKERS);
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

/// The Rust client (`client/`) generates its code from `client/metadata/modelchain.scale`, which
/// must be this runtime's V16 metadata (raw `RuntimeMetadataPrefixed`, as subxt reads it). After a
/// runtime change, `scripts/test.sh`'s first `cargo test` with `UPDATE_METADATA=1` and the filter
/// `client_metadata` rewrites it (the README gives the command); the client then fails to compile
/// wherever the change breaks it.
#[test]
fn client_metadata_file_is_this_runtimes() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../client/metadata/modelchain.scale");
	let fresh = Runtime::metadata_at_version(16).expect("metadata V16 is served");
	let fresh: &[u8] = &fresh;
	assert_eq!(&fresh[..5], b"meta\x10", "RuntimeMetadataPrefixed, version 16");
	if std::env::var_os("UPDATE_METADATA").is_some() {
		std::fs::write(path, fresh).expect("the client's metadata file is writable");
	}
	let committed = std::fs::read(path).unwrap_or_default();
	assert!(
		committed == fresh,
		"{path} is stale ({} bytes, the runtime's is {}): rerun scripts/test.sh's first `cargo test` with UPDATE_METADATA=1 and the filter client_metadata (see the README) and commit it",
		committed.len(),
		fresh.len()
	);
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

/// Fees follow load (`TargetedFeeAdjustment`): blocks fuller than a quarter raise the
/// multiplier, emptier ones lower it, never below the documented base fee.
#[test]
fn fees_rise_with_load_and_fall_back_to_the_base() {
	use pallet_transaction_payment::NextFeeMultiplier;
	use polkadot_sdk::frame_support::{dispatch::DispatchClass, traits::OnFinalize};
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let base = NextFeeMultiplier::<Runtime>::get();
		assert_eq!(base, pallet_transaction_payment::Multiplier::from_u32(1));
		let full = configs::system::RuntimeBlockWeights::get().get(DispatchClass::Normal).max_total.unwrap();
		for n in 1..=100 {
			System::set_block_consumed_resources(full, 0);
			TransactionPayment::on_finalize(n);
		}
		let raised = NextFeeMultiplier::<Runtime>::get();
		assert!(raised > base, "{raised:?}");
		// Empty blocks bring it down, more slowly (a quarter below the target, not three
		// quarters above), and never below the base.
		let mut n = 100;
		while NextFeeMultiplier::<Runtime>::get() > base && n < 10_000 {
			n += 1;
			System::set_block_consumed_resources(Default::default(), 0);
			TransactionPayment::on_finalize(n);
			assert!(NextFeeMultiplier::<Runtime>::get() >= base);
		}
		assert_eq!(NextFeeMultiplier::<Runtime>::get(), base, "back to the base after {} empty blocks", n - 100);
		System::set_block_consumed_resources(Default::default(), 0);
		TransactionPayment::on_finalize(n + 1);
		assert_eq!(NextFeeMultiplier::<Runtime>::get(), base);
	});
}

/// The hostile model of the "chain halt" attack: a few hundred bytes of stacked large-window
/// pooling with no multiply-accumulate, billions of comparisons. The runtime's bounds refuse
/// it by its cost.
#[test]
fn the_runtime_refuses_a_model_of_pooling_layers_by_its_cost() {
	use modelchain_nn::{InputSpec, Layer, MaxPool2d, Model, OutputKind, Padding};
	// 255 × 255 windows at stride 1, padded to keep the 1024 × 1024 tensor's size.
	let pool = Layer::MaxPool2d(MaxPool2d {
		kernel_h: 255,
		kernel_w: 255,
		stride_h: 1,
		stride_w: 1,
		padding: Padding { top: 127, left: 127, bottom: 127, right: 127 },
	});
	let hostile = Model {
		input: InputSpec { shape: vec![1, 1024, 1024], scale: 1, scale_shift: 0, zero_point: 0 },
		layers: vec![pool; 8].into_iter().chain([Layer::Flatten]).collect(),
		output: OutputKind::Class,
	};
	let blob = hostile.encode_blob();
	assert!(blob.len() < 400, "{} bytes", blob.len());
	let bounds = configs::ml::ModelBounds::get();
	let unbounded_cost = modelchain_nn::Bounds { max_cost: u64::MAX, ..bounds };
	assert_eq!(hostile.validate(&unbounded_cost).map(|s| s.macs), Ok(0));
	assert_eq!(modelchain_nn::Model::decode_blob(&blob, &bounds), Err(modelchain_nn::Error::CostTooHigh));
}

/// The draw hook is charged at least the storage writes its draws must make, whatever the
/// mix of requests and redundancy: per request its entry, its draw-queue slot and its expiry
/// entry, per seat an assignment and the worker's load. Until spec 107 the hook charged
/// `draw_workers(n, MaxRedundancy)`, a benchmark fitted linearly in requests and redundancy
/// although the work is their product: 256 requests of 16 seats were priced at 3,905 writes
/// for the 8,960 they make at least.
#[test]
fn the_draw_hook_pays_for_every_seat_it_draws() {
	use polkadot_sdk::frame_support::traits::Get;
	let db = <Runtime as frame_system::Config>::DbWeight::get();
	let max_requests = <Runtime as pallet_ml_predictions::Config>::MaxPendingSeats::get();
	let max_redundancy = <Runtime as pallet_ml_predictions::Config>::MaxRedundancy::get();
	for r in [1, 2, 3, 8, max_redundancy] {
		for n in [1, 16, 64, max_requests] {
			let charged = MlPredictions::draw_weight(n, n * r);
			let writes = db.writes(u64::from(n * (2 * r + 3)));
			assert!(charged.ref_time() >= writes.ref_time(), "{n} requests of {r} seats: {charged:?} < {writes:?}");
		}
	}
}

/// A submission is charged at least the storage writes its settlements must make, whatever the
/// mix of entries and workers: per settled request its removal, its result and its pruning
/// entry, per worker at least its assignment or record. (Until spec 107 `submit_predictions(n, r)`
/// was fitted linearly in entries and workers although the work is their product: its formula
/// gave 32 entries settling requests of 16 workers 181 writes and 40.6 ms in all; the
/// benchmarked settlement of one 16-worker request alone is 4.6 ms, so 124 ms now. This floor
/// counts writes only and would not have caught that.)
#[test]
fn a_submission_pays_for_every_worker_it_settles() {
	use polkadot_sdk::frame_support::traits::Get;
	let db = <Runtime as frame_system::Config>::DbWeight::get();
	let max_entries = <Runtime as pallet_ml_predictions::Config>::MaxAnswersPerSubmission::get();
	let max_redundancy = <Runtime as pallet_ml_predictions::Config>::MaxRedundancy::get();
	for r in [1, 2, 3, 8, max_redundancy] {
		for n in [1, 8, max_entries] {
			let charged = MlPredictions::submission_weight(n, 0, n * (r - 1));
			let writes = db.writes(u64::from(n * (r + 3)));
			assert!(charged.ref_time() >= writes.ref_time(), "{n} entries of {r} workers: {charged:?} < {writes:?}");
			assert!(charged.all_lte(MlPredictions::max_submission_weight(n)));
		}
	}
}

/// Every signed transaction pays its extensions' weight, and the node stores state in ParityDB:
/// their database accesses are priced at the runtime's `DbWeight`, like the market's weights,
/// not at RocksDB's defaults (what the `()` weights charge).
#[test]
fn transaction_extensions_price_the_database_like_the_runtime() {
	use polkadot_sdk::frame_support::weights::{constants::RocksDbWeight, RuntimeDbWeight};
	use polkadot_sdk::frame_system::ExtensionsWeightInfo;
	type Ours = <Runtime as frame_system::Config>::ExtensionsWeightInfo;
	type Rocks = ();
	let db: RuntimeDbWeight = <Runtime as frame_system::Config>::DbWeight::get();
	let rocks = RocksDbWeight::get();
	// (weight, the same at RocksDB's prices, database reads, writes)
	let cases = [
		("check_nonce", Ours::check_nonce(), Rocks::check_nonce(), 1, 1),
		("check_genesis", Ours::check_genesis(), Rocks::check_genesis(), 1, 0),
		(
			"check_mortality",
			Ours::check_mortality_mortal_transaction(),
			Rocks::check_mortality_mortal_transaction(),
			1,
			0,
		),
		("weight_reclaim", Ours::weight_reclaim(), Rocks::weight_reclaim(), 1, 1),
	];
	for (name, ours, at_rocks, reads, writes) in cases {
		let compute = at_rocks.saturating_sub(rocks.reads_writes(reads, writes));
		assert_eq!(ours, compute.saturating_add(db.reads_writes(reads, writes)), "{name}");
	}
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
	use codec::Encode;
	use genesis_config_presets::DIGITS_MODEL;
	use modelchain_primitives::traits::WorkerRegistry;
	use pallet_ml_predictions::{Prediction, Submission};
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
			let requester = Sr25519Keyring::EveStash.to_account_id();
			let challenger = Sr25519Keyring::Eve.to_account_id();
			let input: Vec<i8> = (0..64u32).map(|i| (((i * 3 + 1) % 17) as i16 - 128) as i8).collect();
			assert_ok(MlPredictions::request_prediction(
				RuntimeOrigin::signed(requester.clone()),
				0,
				input.clone().try_into().unwrap(),
				MDC,
			));
			// Nobody is assigned until the next block's randomness exists.
			assert!(pallet_ml_predictions::Requests::<Runtime>::get(0).unwrap().workers.is_empty());
			run_to_block(2);
			let workers = pallet_ml_predictions::Requests::<Runtime>::get(0).unwrap().workers.into_inner();
			assert_eq!(workers.len(), 3);
			let key = |stash: &AccountId| MlStaking::key_of_worker(stash).expect("genesis workers have keys");
			let model = modelchain_nn::Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
			let right = P::from_output(model.run(&input).unwrap()).unwrap();
			let Prediction::Class(c) = right else { unreachable!("a classifier") };
			let wrong = P::Class((c + 1) % 10);
			let salt = |stash: &AccountId| polkadot_sdk::sp_io::hashing::blake2_256(&stash.encode());
			let submit = |stash: &AccountId, entry: Submission<_>| {
				MlPredictions::submit_predictions(
					RuntimeOrigin::signed(key(stash)),
					vec![(0, entry)].try_into().unwrap(),
				)
			};
			let commit = |stash: &AccountId, p: &P| {
				submit(stash, Submission::Commit(pallet_ml_predictions::commitment(0, stash, p, &salt(stash))))
			};
			let reveal = |stash: &AccountId, p: &P| submit(stash, Submission::Reveal(p.clone(), salt(stash)));
			// A stash cannot answer for itself: only its worker key signs.
			assert!(MlPredictions::submit_predictions(
				RuntimeOrigin::signed(workers[0].clone()),
				vec![(0, Submission::Commit([0; 32]))].try_into().unwrap()
			)
			.is_err());
			// Everyone commits; the honest worker reveals first; two colluders outvote it.
			commit(&workers[2], &right).unwrap();
			commit(&workers[0], &wrong).unwrap();
			commit(&workers[1], &wrong).unwrap();
			reveal(&workers[2], &right).unwrap();
			reveal(&workers[0], &wrong).unwrap();
			reveal(&workers[1], &wrong).unwrap();
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
			run_to_block(2 + defer - 1);
			assert_eq!(staked(&workers[0]), GENESIS_WORKER_BOND - fee);
			run_to_block(2 + defer);
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

/// A bounty through the real staking, model registry and preimage pallets: the local
/// testnet's three genesis workers evaluate, the better of two models wins and is listed for
/// predictions in the payout step.
mod bounties {
	use super::*;
	use genesis_config_presets::DIGITS_MODEL;
	use modelchain_nn::{Dataset, DatasetBounds, Labels, Layer, Metric, MetricAccumulator, Model};
	use modelchain_primitives::traits::WorkerRegistry;
	use pallet_ml_bounties::{
		chunk_commitment, model_commitment, scores_commitment, ChunkRole, OutputShape, Payout, Phase, ScoreState,
		ScoreSubmission, ScoreValue, Terms,
	};
	use polkadot_sdk::{
		frame_support::{
			traits::{fungible::InspectHold, OnInitialize},
			BoundedVec,
		},
		sp_core::H256,
	};

	const DIGITS_TEST: &[u8] = include_bytes!("../../primitives/nn/fixtures/digits_test.bin");

	fn run_to_block(n: BlockNumber) {
		while System::block_number() < n {
			let next = System::block_number() + 1;
			System::set_block_number(next);
			AllPalletsWithSystem::on_initialize(next);
		}
	}

	fn ok(r: polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo) {
		assert!(r.is_ok(), "{r:?}");
	}

	fn hash(blob: &[u8]) -> H256 {
		polkadot_sdk::sp_io::hashing::blake2_256(blob).into()
	}

	/// The digits test set in four chunks.
	pub(super) fn chunks() -> Vec<Vec<u8>> {
		let all = Dataset::decode_blob(DIGITS_TEST, &DatasetBounds::default()).unwrap();
		let Labels::Class(labels) = &all.labels else { unreachable!("digits are classes") };
		let n = labels.len() / 4;
		(0..4)
			.map(|c| {
				let r = c * n..(c + 1) * n;
				Dataset {
					input_len: 64,
					inputs: all.inputs[r.start * 64..r.end * 64].to_vec(),
					labels: Labels::Class(labels[r].to_vec()),
				}
				.encode_blob()
			})
			.collect()
	}

	/// The digits model with its last layer's weights zeroed: it answers one class.
	pub(super) fn weak_model() -> Vec<u8> {
		let mut model = Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
		let dense = model.layers.iter_mut().rev().find_map(|l| if let Layer::Dense(d) = l { Some(d) } else { None });
		dense.unwrap().weights.iter_mut().for_each(|w| *w = 0);
		model.encode_blob()
	}

	fn score(model: &[u8], test: &[Vec<u8>]) -> ScoreValue {
		let model = Model::decode_blob(model, &modelchain_nn::Bounds::default()).unwrap();
		let mut acc = MetricAccumulator::new(Metric::Accuracy);
		for chunk in test {
			acc.add_chunk(&model, &Dataset::decode_blob(chunk, &DatasetBounds::default()).unwrap()).unwrap();
		}
		acc.score().ok()
	}

	#[test]
	fn the_better_model_wins_is_paid_and_listed_with_real_pallets() {
		preset_ext(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			System::set_block_number(1);
			let issuance = Balances::total_issuance();
			let [requester, good, weak_trainer] =
				[Sr25519Keyring::EveStash, Sr25519Keyring::Eve, Sr25519Keyring::Ferdie].map(|k| k.to_account_id());
			let signed = |who: &AccountId| RuntimeOrigin::signed(who.clone());
			let blobs = chunks();
			let salt = |i: usize| [i as u8 + 1; 32];
			let commitments = blobs.iter().enumerate().map(|(i, b)| chunk_commitment(&hash(b), &salt(i))).collect();
			let reward = 100 * MDC;
			let fee = 3 * MDC;
			let terms = Terms {
				input_len: 64,
				output: OutputShape::Classes(10),
				metric: Metric::Accuracy,
				min_score: 500_000,
				reward,
				trainer_stake: 10 * MDC,
				evaluation_fee: fee,
				test_chunks: 2,
				validation_chunks: 0,
				max_chunk_samples: 1_000,
				max_model_cost: 10_000,
				max_submissions: 4,
				data_period: MINUTES,
				submission_period: MINUTES,
				reveal_period: MINUTES,
				challenge_period: MINUTES,
				payout: Payout::WinnerTakesAll,
			};
			let before = [&requester, &good, &weak_trainer].map(Balances::total_balance);
			assert!(MlBounties::create_bounty(
				signed(&requester),
				BoundedVec::truncate_from(b"digits".to_vec()),
				terms,
				BoundedVec::truncate_from(commitments)
			)
			.is_ok());
			run_to_block(2);
			let role = |i: usize| pallet_ml_bounties::Chunks::<Runtime>::get(0, i as u32).unwrap().role;
			let reveal = |i: usize| {
				ok(Preimage::note_preimage(signed(&requester), blobs[i].clone()));
				ok(MlBounties::reveal_chunk(signed(&requester), 0, i as u32, hash(&blobs[i]), salt(i), None));
			};
			(0..4).filter(|i| role(*i) == ChunkRole::Training).for_each(reveal);
			let bounty = || pallet_ml_bounties::Bounties::<Runtime>::get(0).unwrap();
			assert_eq!(bounty().phase, Phase::Submission);

			let weak = weak_model();
			let trainers = [(good.clone(), DIGITS_MODEL.to_vec()), (weak_trainer.clone(), weak.clone())];
			for (t, blob) in &trainers {
				let c = model_commitment(0, t, &hash(blob), &[7; 32]);
				assert!(MlBounties::submit(signed(t), 0, c).is_ok());
			}
			run_to_block(bounty().deadline);
			assert_eq!(bounty().phase, Phase::Reveal);
			(0..4).filter(|i| role(*i) == ChunkRole::Test).for_each(reveal);
			for (index, (t, blob)) in trainers.iter().enumerate() {
				// The digits model may be noted already (the genesis demo model).
				if !<Preimage as polkadot_sdk::frame_support::traits::QueryPreimage>::is_requested(&hash(blob)) {
					let _ = Preimage::note_preimage(signed(t), blob.clone());
				}
				ok(MlBounties::reveal_model(signed(t), 0, index as u32, hash(blob), [7; 32], Some(MILLI_MDC)));
			}
			run_to_block(bounty().deadline);
			assert_eq!(bounty().phase, Phase::Evaluation);
			let evaluation = pallet_ml_bounties::Evaluations::<Runtime>::get(0).unwrap();
			let mut stashes = evaluation.evaluators.to_vec();
			stashes.sort();
			let genesis = genesis_config_presets::LOCAL_WORKERS.map(genesis_config_presets::worker_stash);
			assert_eq!(stashes.len(), 3, "three evaluators");
			assert!(stashes.iter().all(|s| genesis.contains(s)), "drawn from the four genesis workers");

			let test: Vec<Vec<u8>> = (0..4).filter(|i| role(*i) == ChunkRole::Test).map(|i| blobs[i].clone()).collect();
			let scores = vec![score(DIGITS_MODEL, &test), score(&weak, &test)];
			let key = |stash: &AccountId| MlStaking::key_of_worker(stash).unwrap();
			for stash in evaluation.evaluators.iter() {
				let c = scores_commitment(0, stash, &scores, &[9; 32]);
				ok(MlBounties::submit_scores(signed(&key(stash)), 0, ScoreSubmission::Commit(c)));
			}
			for stash in evaluation.evaluators.iter() {
				let reveal = ScoreSubmission::Reveal(BoundedVec::truncate_from(scores.clone()), [9; 32]);
				ok(MlBounties::submit_scores(signed(&key(stash)), 0, reveal));
			}
			assert_eq!(bounty().phase, Phase::Scored);
			let sub = pallet_ml_bounties::Submissions::<Runtime>::get(0, 0).unwrap();
			assert_eq!(sub.score, Some(ScoreState::Quorum(scores[0])));
			run_to_block(bounty().deadline);
			assert_eq!(bounty().phase, Phase::Finalized);

			// The winner is paid and its model is listed (model 1, after the genesis demo model).
			let listed = MlModels::model(1).expect("the winner is listed");
			assert_eq!((listed.owner.clone(), listed.fee), (good.clone(), MILLI_MDC));
			let deposit = Balances::balance_on_hold(&pallet_ml_models::HoldReason::ModelDeposit.into(), &good);
			let after = [&requester, &good, &weak_trainer].map(Balances::total_balance);
			assert_eq!(after[0], before[0] - reward - fee, "the reward and the evaluators' fee");
			assert_eq!(after[1], before[1] + reward, "the winner: the reward, its stake back ({deposit} held to list)");
			assert_eq!(after[2], before[2], "an honest loser loses nothing");
			for stash in evaluation.evaluators.iter() {
				assert!(MlStaking::is_active_worker(stash), "no evaluator was chilled");
			}
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}
}

/// The prediction market under load in the real runtime: blocks built by `Executive` with the
/// real transaction extensions (fees, nonces, `CheckPredictionAnswers`), the off-chain worker
/// of a node holding five worker keys run after every block through `TestOffchainExt` and
/// `TestTransactionPoolExt`, its submissions included in the next block. R = 3, Q = 2 (the
/// local testnet), 300 requests a block for 60 blocks: no honest worker is reported, every
/// accepted request is final by its deadline or refunded, nothing is left over, and every block
/// stays within its weight limits. Near saturation a draw that finds too few workers with free
/// seats waits for the next block; one that waits an answer window is refunded in full with
/// `DrawFailed` (counted and printed). (The pallets' `try_state` needs the `try-runtime` feature; the pallets' own flood
/// tests run it every block.)
mod soak {
	use super::*;
	use codec::Encode;
	use modelchain_primitives::{traits::WorkerRegistry, WORKER_KEY_TYPE};
	use pallet_ml_predictions::{AnswerError, Event as P, Prediction, Submission};
	use polkadot_sdk::{
		frame_support::{dispatch::DispatchClass, storage::with_transaction, traits::fungible::InspectHold},
		sp_consensus_aura::{Slot, AURA_ENGINE_ID},
		sp_core::{
			offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
			sr25519, Pair,
		},
		sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt},
		sp_runtime::{
			generic::{Digest, DigestItem, Era},
			traits::Header as _,
			transaction_validity::TransactionValidityError,
			TransactionOutcome,
		},
	};
	use std::collections::BTreeMap;

	const WORKER_KEYS: [Sr25519Keyring; 5] = [
		Sr25519Keyring::Alice,
		Sr25519Keyring::Bob,
		Sr25519Keyring::Charlie,
		Sr25519Keyring::Dave,
		Sr25519Keyring::Eve,
	];
	const REQUESTERS: u32 = 10;
	const REQUESTS_PER_BLOCK: u32 = 300;
	const LOADED_BLOCKS: u32 = 60;

	pub(super) struct Chain {
		parent: Hash,
		pub(super) number: BlockNumber,
		drain_pool: Drain,
		nonces: BTreeMap<AccountId, Nonce>,
	}

	/// Takes the transactions out of a test node's pool.
	pub(super) type Drain = Box<dyn Fn() -> Vec<Vec<u8>>>;

	fn signed(pair: &sr25519::Pair, nonce: Nonce, call: RuntimeCall) -> UncheckedExtrinsic {
		let payload = SignedPayload::new(call, tx_extension(nonce, Era::Immortal)).unwrap();
		let signature = payload.using_encoded(|bytes| pair.sign(bytes));
		let (call, extension, _) = payload.deconstruct();
		let who: AccountId = pair.public().into();
		UncheckedExtrinsic::new_signed(call, who.into(), signature.into(), extension)
	}

	impl Chain {
		/// A chain at genesis whose node's pool `drain_pool` empties.
		pub(super) fn new(drain_pool: Drain) -> Self {
			Chain { parent: System::block_hash(0), number: 0, drain_pool, nonces: BTreeMap::new() }
		}

		/// Reads every signer's nonce from the chain again (after transactions that were not
		/// applied).
		pub(super) fn forget_nonces(&mut self) {
			self.nonces.clear();
		}

		/// Builds the next block from `extrinsics` (after the timestamp inherent); returns the
		/// results, the block's events and its normal-class weight. Then runs the node's
		/// off-chain worker on it (its state changes rolled back, as a node runs it on a copy).
		pub(super) fn block(
			&mut self,
			extrinsics: Vec<UncheckedExtrinsic>,
		) -> (Vec<polkadot_sdk::sp_runtime::ApplyExtrinsicResult>, Vec<RuntimeEvent>) {
			self.block_probed(extrinsics, |_| {})
		}

		/// [`Self::block`], calling `probe` with each extrinsic just before it is applied (in
		/// the state it is applied in).
		pub(super) fn block_probed(
			&mut self,
			extrinsics: Vec<UncheckedExtrinsic>,
			mut probe: impl FnMut(&UncheckedExtrinsic),
		) -> (Vec<polkadot_sdk::sp_runtime::ApplyExtrinsicResult>, Vec<RuntimeEvent>) {
			self.number += 1;
			// Slots (and the timestamp) far from zero, increasing by one a block.
			let slot = 1_000 + u64::from(self.number);
			let digest = Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(slot).encode())] };
			let header = Header::new(self.number, Default::default(), Default::default(), self.parent, digest);
			Executive::initialize_block(&header);
			let now = RuntimeCall::Timestamp(pallet_timestamp::Call::set { now: slot * SLOT_DURATION });
			Executive::apply_extrinsic(UncheckedExtrinsic::new_bare(now)).unwrap().unwrap();
			let results: Vec<_> = extrinsics
				.into_iter()
				.map(|xt| {
					probe(&xt);
					Executive::apply_extrinsic(xt)
				})
				.collect();
			let weights = System::block_weight();
			let limits = configs::system::RuntimeBlockWeights::get();
			let normal = limits.get(DispatchClass::Normal).max_total.unwrap();
			assert!(
				weights.get(DispatchClass::Normal).all_lte(normal),
				"block {} normal weight {weights:?}",
				self.number
			);
			assert!(weights.total().all_lte(limits.max_block), "block {} weight {weights:?}", self.number);
			let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
			let header = Executive::finalize_block();
			self.parent = header.hash();
			with_transaction(|| {
				Executive::offchain_worker(&header);
				TransactionOutcome::Rollback(Ok::<(), polkadot_sdk::sp_runtime::DispatchError>(()))
			})
			.unwrap();
			(results, events)
		}

		/// A signed extrinsic of `pair` with its next nonce.
		pub(super) fn sign(&mut self, pair: &sr25519::Pair, call: RuntimeCall) -> UncheckedExtrinsic {
			let who: AccountId = pair.public().into();
			let nonce = self.nonces.entry(who.clone()).or_insert_with(|| System::account_nonce(&who));
			let xt = signed(pair, *nonce, call);
			*nonce += 1;
			xt
		}

		/// What the off-chain worker sent after the last block.
		pub(super) fn pooled(&self) -> Vec<UncheckedExtrinsic> {
			(self.drain_pool)().iter().map(|tx| UncheckedExtrinsic::decode(&mut &tx[..]).unwrap()).collect()
		}
	}

	/// The local testnet's genesis in a node whose keystore holds the worker keys of `keys`,
	/// with off-chain and transaction-pool externalities; and a function that takes the
	/// transactions out of its pool.
	pub(super) fn node(keys: &[Sr25519Keyring]) -> (TestExternalities, Drain) {
		let (offchain, _) = testing::TestOffchainExt::new();
		let (pool, pool_state) = testing::TestTransactionPoolExt::new();
		let keystore = MemoryKeystore::new();
		for key in keys {
			keystore.sr25519_generate_new(WORKER_KEY_TYPE, Some(&format!("//{key:?}"))).unwrap();
		}
		let mut ext = preset_ext(LOCAL_TESTNET_RUNTIME_PRESET);
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(keystore));
		(ext, Box::new(move || std::mem::take(&mut pool_state.write().transactions)))
	}

	/// `submit_predictions` inside `utility.batch`: the pool extension only sees the batch, so
	/// the answers are checked at dispatch, and the batch pays its fee like any call.
	#[test]
	fn answers_inside_a_batch_are_checked_at_dispatch_and_paid_for() {
		let (mut ext, drain_pool) = node(&[]);
		ext.execute_with(|| {
			let mut chain = Chain::new(drain_pool);
			let eve = Sr25519Keyring::Eve;
			let answer = RuntimeCall::MlPredictions(pallet_ml_predictions::Call::submit_predictions {
				answers: vec![(0, Submission::Answer(Prediction::Class(1)))].try_into().unwrap(),
			});
			let batch = RuntimeCall::Utility(pallet_utility::Call::batch { calls: vec![answer] });
			let xt = chain.sign(&eve.pair(), batch);
			let (results, events) = chain.block(vec![xt]);
			assert!(matches!(results[..], [Ok(Ok(()))]), "{results:?}");
			let invalid: polkadot_sdk::sp_runtime::DispatchError =
				pallet_ml_predictions::Error::<Runtime>::InvalidAnswer(AnswerError::NotAWorkerKey).into();
			assert!(events.iter().any(|e| matches!(
				e,
				RuntimeEvent::Utility(pallet_utility::Event::BatchInterrupted { index: 0, error }) if *error == invalid
			)));
			assert!(events.iter().any(|e| matches!(
				e,
				RuntimeEvent::TransactionPayment(pallet_transaction_payment::Event::TransactionFeePaid { who, actual_fee, .. })
					if *who == eve.to_account_id() && *actual_fee > 0
			)));
		});
	}

	#[test]
	fn three_hundred_requests_a_block_for_sixty_blocks() {
		let (mut ext, drain_pool) = node(&WORKER_KEYS);
		ext.execute_with(|| {
			let mut chain = Chain::new(drain_pool);
			let requesters: Vec<sr25519::Pair> = (0..REQUESTERS)
				.map(|i| sr25519::Pair::from_string(&format!("//Requester{i}"), None).unwrap())
				.collect();
			// Eve joins the four genesis workers (stash `//Eve//stash`, key `//Eve`).
			let mut setup = Vec::new();
			for key in [Sr25519Keyring::Eve] {
				let stash = sr25519::Pair::from_string(&format!("//{key:?}//stash"), None).unwrap();
				for call in [
					RuntimeCall::MlStaking(pallet_ml_staking::Call::bond { value: GENESIS_WORKER_BOND }),
					RuntimeCall::MlStaking(pallet_ml_staking::Call::set_worker_key { key: key.to_account_id() }),
					RuntimeCall::MlStaking(pallet_ml_staking::Call::register_worker {}),
				] {
					setup.push(chain.sign(&stash, call));
				}
			}
			for r in &requesters {
				let who: AccountId = r.public().into();
				let fund = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
					dest: who.into(),
					value: 10_000 * MDC,
				});
				setup.push(chain.sign(&Sr25519Keyring::Ferdie.pair(), fund));
			}
			let (results, _) = chain.block(setup);
			assert!(results.iter().all(|r| matches!(r, Ok(Ok(())))), "{results:?}");
			// The new workers wait out their activation delay.
			let delay = <Runtime as pallet_ml_staking::Config>::ActivationDelay::get();
			while chain.number <= delay + 1 {
				let pooled = chain.pooled();
				chain.block(pooled);
			}
			assert_eq!(MlStaking::active_worker_count(), 5);

			let model = genesis_config_presets::DIGITS_MODEL;
			let model = modelchain_nn::Model::decode_blob(model, &modelchain_nn::Bounds::default()).unwrap();
			let input: Vec<i8> = (0..64u32).map(|i| (((i * 5 + 2) % 17) as i16 - 128) as i8).collect();
			let expected = pallet_ml_predictions::Prediction::from_output(model.run(&input).unwrap()).unwrap();
			let fee = genesis_config_presets::DEMO_MODEL_FEE + 3 * genesis_config_presets::WORKER_FEE;
			let request = RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
				model: 0,
				input: input.try_into().unwrap(),
				max_fee: fee,
			});

			let mut deadlines = BTreeMap::new();
			let mut settled = BTreeMap::new();
			let mut draw_failed = BTreeMap::new();
			let mut requested = BTreeMap::new();
			let (mut accepted, mut busy) = (0u32, 0u32);
			let first_loaded = chain.number + 1;
			for round in 0..LOADED_BLOCKS + 15 {
				// The workers' submissions first (they outrank requests in the pool), then the
				// requests.
				let mut xts = chain.pooled();
				let answers = xts.len();
				if round < LOADED_BLOCKS {
					for i in 0..REQUESTS_PER_BLOCK {
						let r = &requesters[(i % REQUESTERS) as usize];
						xts.push(chain.sign(r, request.clone()));
					}
				}
				let (results, events) = chain.block(xts);
				for (i, result) in results.iter().enumerate() {
					match result {
						Ok(_) => {}
						// A submission whose entries all went stale before inclusion (the block
						// builder would drop it); never a request.
						Err(TransactionValidityError::Invalid(_)) if i < answers => {}
						other => panic!("block {}: extrinsic {i}: {other:?}", chain.number),
					}
				}
				for event in events {
					match event {
						RuntimeEvent::MlPredictions(P::PredictionRequested { request, .. }) => {
							accepted += 1;
							requested.insert(request, chain.number);
						}
						RuntimeEvent::MlPredictions(P::WorkersAssigned { request, deadline, .. }) => {
							deadlines.insert(request, deadline);
						}
						RuntimeEvent::MlPredictions(P::PredictionReady { request, output, .. }) => {
							assert_eq!(output, expected);
							settled.insert(request, chain.number);
						}
						RuntimeEvent::MlPredictions(P::DrawFailed { request }) => {
							// Refunded in full: capacity fragmented among the workers.
							draw_failed.insert(request, chain.number);
						}
						e @ RuntimeEvent::MlPredictions(P::PredictionFailed { .. }) => {
							panic!("block {}: {e:?}", chain.number)
						}
						RuntimeEvent::MlStaking(e @ pallet_ml_staking::Event::OffenceReported { .. }) => {
							panic!("an honest worker was reported in block {}: {e:?}", chain.number)
						}
						RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
							assert_eq!(
								dispatch_error,
								pallet_ml_predictions::Error::<Runtime>::NetworkBusy.into(),
								"block {}",
								chain.number
							);
							busy += 1;
						}
						_ => {}
					}
				}
			}
			assert!(accepted > 0 && busy > 0, "accepted {accepted}, refused {busy}");
			assert_eq!(accepted + busy, LOADED_BLOCKS * REQUESTS_PER_BLOCK);
			// Every accepted request is final by its deadline; nothing is left.
			// Near saturation a draw waits for free seats; none had to give up here.
			assert!(draw_failed.is_empty(), "draws gave up: {draw_failed:?}");
			assert_eq!(settled.len() as u32, accepted);
			for (request, at) in &settled {
				assert!(*at <= deadlines[request], "request {request} final at {at}, deadline {}", deadlines[request]);
			}
			assert_eq!(pallet_ml_predictions::Requests::<Runtime>::iter().count(), 0);
			assert_eq!(pallet_ml_predictions::Assignments::<Runtime>::iter().count(), 0);
			assert_eq!(pallet_ml_predictions::NetworkLoad::<Runtime>::get(), Default::default());
			assert!(pallet_ml_staking::UnappliedSlashes::<Runtime>::iter().next().is_none());
			// Every fee was paid out or returned.
			for r in &requesters {
				let who: AccountId = r.public().into();
				let held = Balances::balance_on_hold(&pallet_ml_predictions::HoldReason::PredictionFee.into(), &who);
				assert_eq!(held, 0);
			}
			let window = <Runtime as pallet_ml_predictions::Config>::AnswerWindow::get();
			let after_draw = settled.iter().map(|(r, at)| at - (deadlines[r] - window)).max().unwrap();
			let mut latency: Vec<u32> = settled.iter().map(|(r, at)| at - requested[r]).collect();
			latency.sort();
			let pct = |p: usize| latency[(latency.len() - 1) * p / 100];
			println!(
				"soak: {accepted} requests accepted, {busy} refused as NetworkBusy in {LOADED_BLOCKS} blocks from \
				 block {first_loaded}; blocks from request to result: p50 {}, p99 {}, max {}; at most {after_draw} \
				 after the draw",
				pct(50),
				pct(99),
				latency[latency.len() - 1]
			);
		});
	}
}

/// A call-sequence fuzzer in the style of SRLabs' substrate-runtime-fuzzer, on the real
/// runtime: seeded random sequences of signed calls of every ModelChain pallet (with preimage,
/// utility and balances), from ordinary users and from the genesis workers' stashes, in blocks
/// built by `Executive` with the real transaction extensions, the off-chain worker of a node
/// holding the four genesis worker keys run after every block and its transactions included in
/// the next. The calls are drawn to reach deep states (real model blobs and dataset chunks,
/// commitments that reveal, bounties with short phases) as well as refusals (wrong ids, amounts,
/// lengths, origins). After every block it asserts:
/// - no extrinsic used more weight than it was charged before dispatch;
/// - the `try_state` checks of the four market pallets (storage consistent with itself and
///   with every hold);
/// - total issuance is constant (fees and slashes move to the treasury; nothing here mints or
///   burns) and equals the sum of every account's free and reserved balance, and each account's
///   reserved balance is the sum of its holds;
/// - no account has consumers but no providers.
///
/// It runs seeds from `MODELCHAIN_FUZZ_SEED` (default 0), at least `MIN_SEEDS` of them and until
/// `MODELCHAIN_FUZZ_SECS` (default 60) have passed, and prints what it did (`--nocapture`); a failure names its seed and block.
mod fuzz {
	use super::bounties::{chunks, weak_model};
	use super::soak::{node, Chain};
	use super::*;
	use codec::Encode;
	use genesis_config_presets::DIGITS_MODEL;
	use modelchain_nn::{Metric, Model};
	use pallet_ml_bounties::{chunk_commitment, model_commitment, OutputShape, Payout, Terms};
	use polkadot_sdk::{
		frame_support::{
			dispatch::GetDispatchInfo,
			traits::{fungible::Inspect, tokens::Preservation},
			BoundedVec,
		},
		sp_core::{sr25519, Pair, H256},
		sp_runtime::Perbill,
	};
	use std::collections::BTreeMap;
	use std::time::{Duration, Instant};

	const BLOCKS_PER_SEED: u32 = 40;
	/// Seeds run whatever the time budget, so the coverage asserted at the end does not depend on
	/// the machine's speed (about 0.7 s a seed on the 2-core development machine).
	const MIN_SEEDS: u64 = 60;

	/// splitmix64.
	struct Rng(u64);

	impl Rng {
		fn next(&mut self) -> u64 {
			self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
			let mut z = self.0;
			z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
			z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
			z ^ (z >> 31)
		}
		fn below(&mut self, n: u64) -> u64 {
			self.next() % n.max(1)
		}
		fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
			&items[self.below(items.len() as u64) as usize]
		}
		fn chance(&mut self, percent: u64) -> bool {
			self.below(100) < percent
		}
	}

	fn hash(blob: &[u8]) -> H256 {
		polkadot_sdk::sp_io::hashing::blake2_256(blob).into()
	}

	/// What the fuzzer can hand the chain: real blobs, so that calls reach past the checks.
	struct Corpus {
		models: Vec<Vec<u8>>,
		chunks: Vec<Vec<u8>>,
	}

	impl Corpus {
		fn new() -> Self {
			let mut wide = Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
			wide.input.shape = vec![65];
			// The digits model, one that answers one class, an invalid blob (a wrong shape that
			// still decodes is refused by validation), and junk.
			let models = vec![DIGITS_MODEL.to_vec(), weak_model(), wide.encode_blob(), vec![1, 2, 3, 4]];
			let chunks = chunks();
			Corpus { models, chunks }
		}
	}

	/// The people: users (requesters, trainers, model owners) and the genesis workers' stashes.
	fn actors() -> Vec<sr25519::Pair> {
		let mut all: Vec<sr25519::Pair> =
			[Sr25519Keyring::Eve, Sr25519Keyring::Ferdie, Sr25519Keyring::EveStash, Sr25519Keyring::FerdieStash]
				.iter()
				.map(|k| k.pair())
				.collect();
		for w in ["Alice", "Bob", "Charlie", "Dave"] {
			all.push(sr25519::Pair::from_string(&format!("//{w}//stash"), None).unwrap());
		}
		all
	}

	fn account(pair: &sr25519::Pair) -> AccountId {
		pair.public().into()
	}

	/// An amount: mostly sensible, sometimes dust, everything, or more than anyone has.
	fn amount(r: &mut Rng, who: &AccountId) -> Balance {
		let free = Balances::reducible_balance(
			who,
			Preservation::Preserve,
			polkadot_sdk::frame_support::traits::tokens::Fortitude::Polite,
		);
		match r.below(6) {
			0 => 1,
			1 => free,
			2 => free.saturating_add(1),
			3 => Balance::MAX,
			_ => (r.below(2_000) as Balance + 1) * MDC / 10,
		}
	}

	fn bounty_call(c: pallet_ml_bounties::Call<Runtime>) -> RuntimeCall {
		RuntimeCall::MlBounties(c)
	}

	/// One random call of `who` (a batch of two now and then).
	fn call(
		r: &mut Rng,
		corpus: &Corpus,
		who: &AccountId,
		everyone: &[AccountId],
		depth: u32,
	) -> (String, RuntimeCall, Option<AccountId>) {
		let next_model = pallet_ml_models::NextModelId::<Runtime>::get();
		let next_request = pallet_ml_predictions::NextRequestId::<Runtime>::get();
		let next_bounty = pallet_ml_bounties::NextBountyId::<Runtime>::get();
		let model_id = |r: &mut Rng| r.below(u64::from(next_model) + 2) as u32;
		let bounty_id = |r: &mut Rng| next_bounty.saturating_sub(1).saturating_sub(r.below(3) as u32);
		let blob = |r: &mut Rng| r.pick(&corpus.models).clone();
		let salt = |bounty: u32, who: &AccountId| hash(&(bounty, who).encode()).0;
		// Who must sign for the call to get anywhere, when that is not `who`.
		let mut signer = None;
		let (name, call) = match r.below(26) {
			0 | 1 => (
				"balances.transfer",
				RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
					dest: r.pick(everyone).clone().into(),
					value: amount(r, who),
				}),
			),
			2 => ("staking.bond", RuntimeCall::MlStaking(pallet_ml_staking::Call::bond { value: amount(r, who) })),
			3 => (
				"staking.bond_extra",
				RuntimeCall::MlStaking(pallet_ml_staking::Call::bond_extra { value: amount(r, who) }),
			),
			4 => ("staking.unbond", RuntimeCall::MlStaking(pallet_ml_staking::Call::unbond { value: amount(r, who) })),
			5 => ("staking.withdraw_unbonded", RuntimeCall::MlStaking(pallet_ml_staking::Call::withdraw_unbonded {})),
			6 => ("staking.register_worker", RuntimeCall::MlStaking(pallet_ml_staking::Call::register_worker {})),
			7 => ("staking.chill", RuntimeCall::MlStaking(pallet_ml_staking::Call::chill {})),
			8 => (
				"staking.set_worker_key",
				RuntimeCall::MlStaking(pallet_ml_staking::Call::set_worker_key { key: r.pick(everyone).clone() }),
			),
			9 => {
				let bytes = if r.chance(70) { blob(r) } else { r.pick(&corpus.chunks).clone() };
				("preimage.note", RuntimeCall::Preimage(pallet_preimage::Call::note_preimage { bytes }))
			}
			10 => (
				"models.register",
				RuntimeCall::MlModels(pallet_ml_models::Call::register_model {
					blob_hash: hash(&blob(r)),
					metadata: BoundedVec::truncate_from(b"fuzz".to_vec()),
					fee: r.below(3) as Balance * MILLI_MDC,
				}),
			),
			11 => {
				let model = model_id(r);
				let c = match r.below(4) {
					0 => pallet_ml_models::Call::set_fee { model, fee: r.below(5) as Balance * MILLI_MDC },
					1 => pallet_ml_models::Call::retire_model { model },
					2 => {
						pallet_ml_models::Call::transfer_ownership { model, new_owner: r.pick(everyone).clone().into() }
					}
					_ => pallet_ml_models::Call::accept_ownership { model },
				};
				("models.manage", RuntimeCall::MlModels(c))
			}
			12..=14 => {
				let input = |r: &mut Rng| {
					let len = if r.chance(90) { 64 } else { r.below(70) as usize };
					BoundedVec::truncate_from((0..len).map(|_| r.next() as i8).collect::<Vec<i8>>())
				};
				let model = if r.chance(70) { 0 } else { model_id(r) };
				let max_fee = if r.chance(80) { MDC } else { r.below(3) as Balance * MILLI_MDC };
				if r.chance(30) {
					// From none (refused: `NoInputs`) to `MaxRequestsPerCall`.
					let inputs = (0..r.below(65)).map(|_| input(r)).collect::<Vec<_>>();
					(
						"predictions.request_batch",
						RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_predictions {
							model,
							inputs: BoundedVec::truncate_from(inputs),
							max_fee_each: max_fee,
						}),
					)
				} else {
					(
						"predictions.request",
						RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
							model,
							input: input(r),
							max_fee,
						}),
					)
				}
			}
			15 => (
				"predictions.challenge",
				RuntimeCall::MlPredictions(pallet_ml_predictions::Call::challenge {
					request: next_request.saturating_sub(1 + r.below(8)),
				}),
			),
			16 => {
				let period = 2 + r.below(6) as BlockNumber;
				let terms = Terms {
					input_len: 64,
					output: OutputShape::Classes(10),
					metric: Metric::Accuracy,
					min_score: r.below(1_000_001),
					reward: (1 + r.below(200) as Balance) * MDC,
					trainer_stake: r.below(20) as Balance * MDC,
					evaluation_fee: r.below(10) as Balance * MDC,
					test_chunks: 1 + r.below(3) as u32,
					validation_chunks: r.below(2) as u32,
					max_chunk_samples: 1_000,
					max_model_cost: if r.chance(80) { 10_000 } else { r.below(20_000) },
					max_submissions: 1 + r.below(4) as u32,
					data_period: period,
					submission_period: period,
					reveal_period: period,
					challenge_period: period,
					payout: if r.chance(50) {
						Payout::WinnerTakesAll
					} else {
						Payout::TopN(BoundedVec::truncate_from(vec![
							Perbill::from_percent(60),
							Perbill::from_percent(40),
						]))
					},
				};
				let id = next_bounty;
				let commitments = corpus
					.chunks
					.iter()
					.enumerate()
					.map(|(i, c)| chunk_commitment(&hash(c), &salt(id + i as u32, who)))
					.collect();
				(
					"bounties.create",
					bounty_call(pallet_ml_bounties::Call::create_bounty {
						metadata: BoundedVec::truncate_from(b"fuzz".to_vec()),
						terms,
						chunks: BoundedVec::truncate_from(commitments),
					}),
				)
			}
			17..=19 => {
				// Mostly the requester, revealing a chunk it has not revealed yet.
				let bounty = bounty_id(r);
				let requester = pallet_ml_bounties::Bounties::<Runtime>::get(bounty).map(|b| b.requester);
				signer = requester.filter(|_| r.chance(85));
				let by = signer.clone().unwrap_or_else(|| who.clone());
				let unrevealed: Vec<u32> = (0..4)
					.filter(|&i| {
						pallet_ml_bounties::Chunks::<Runtime>::get(bounty, i).is_some_and(|c| c.revealed.is_none())
					})
					.collect();
				let i = if !unrevealed.is_empty() && r.chance(90) { *r.pick(&unrevealed) } else { r.below(4) as u32 };
				let chunk = &corpus.chunks[i as usize];
				let reveal = bounty_call(pallet_ml_bounties::Call::reveal_chunk {
					bounty,
					chunk: i,
					blob_hash: hash(chunk),
					salt: salt(bounty + i, &by),
					uri: None,
				});
				("bounties.reveal_chunk", with_preimage(chunk, reveal))
			}
			20 | 21 => {
				let bounty = bounty_id(r);
				let model = &corpus.models[r.below(2) as usize];
				let commitment = model_commitment(bounty, who, &hash(model), &salt(bounty, who));
				("bounties.submit", bounty_call(pallet_ml_bounties::Call::submit { bounty, commitment }))
			}
			22 | 23 => {
				// Mostly a trainer revealing the model it committed.
				let bounty = bounty_id(r);
				let unrevealed: Vec<(u32, AccountId, [u8; 32])> =
					pallet_ml_bounties::Submissions::<Runtime>::iter_prefix(bounty)
						.filter(|(_, s)| s.model.is_none())
						.map(|(i, s)| (i, s.trainer, s.commitment))
						.collect();
				let (submission, trainer, commitment) = match unrevealed.is_empty() || r.chance(15) {
					true => (r.below(4) as u32, who.clone(), [0; 32]),
					false => r.pick(&unrevealed).clone(),
				};
				let model = corpus.models[..2]
					.iter()
					.find(|m| model_commitment(bounty, &trainer, &hash(m), &salt(bounty, &trainer)) == commitment)
					.unwrap_or(&corpus.models[0]);
				let reveal = bounty_call(pallet_ml_bounties::Call::reveal_model {
					bounty,
					submission,
					blob_hash: hash(model),
					salt: salt(bounty, &trainer),
					list_fee: r.chance(50).then_some(MILLI_MDC),
				});
				signer = Some(trainer);
				("bounties.reveal_model", with_preimage(model, reveal))
			}
			24 => {
				let bounty = bounty_id(r);
				let submission = r.below(4) as u32;
				let c = match r.below(3) {
					0 => pallet_ml_bounties::Call::challenge_score { bounty, submission },
					1 => pallet_ml_bounties::Call::advance { bounty },
					_ => pallet_ml_bounties::Call::withdraw { bounty, submission },
				};
				("bounties.other", bounty_call(c))
			}
			_ if depth == 0 => {
				let calls = (0..2).map(|_| call(r, corpus, who, everyone, 1).1).collect();
				let batch = if r.chance(50) {
					pallet_utility::Call::batch { calls }
				} else {
					pallet_utility::Call::batch_all { calls }
				};
				("utility.batch", RuntimeCall::Utility(batch))
			}
			_ => (
				"balances.transfer_all",
				RuntimeCall::Balances(pallet_balances::Call::transfer_all {
					dest: r.pick(everyone).clone().into(),
					keep_alive: true,
				}),
			),
		};
		(name.to_string(), call, signer)
	}

	/// `call`, after noting `blob` in the same transaction unless it is noted already.
	fn with_preimage(blob: &[u8], call: RuntimeCall) -> RuntimeCall {
		use polkadot_sdk::frame_support::traits::QueryPreimage;
		if <Preimage as QueryPreimage>::len(&hash(blob)).is_some() {
			return call;
		}
		let note = RuntimeCall::Preimage(pallet_preimage::Call::note_preimage { bytes: blob.to_vec() });
		RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: vec![note, call] })
	}

	/// Dispatches `xt`'s call directly from its signer, in a storage transaction that is rolled
	/// back, and asserts that the weight it reports using (uncapped: `Executive` would cap it at
	/// the charge) is at most the weight charged for it before dispatch.
	fn weighs_what_it_charges(block: BlockNumber, xt: &UncheckedExtrinsic) {
		use polkadot_sdk::sp_runtime::{generic::Preamble, traits::Dispatchable, MultiAddress, TransactionOutcome};
		let Preamble::Signed(MultiAddress::Id(who), ..) = &xt.preamble else { return };
		let charged = xt.function.get_dispatch_info().call_weight;
		let result = polkadot_sdk::frame_support::storage::with_transaction(|| {
			let r = xt.function.clone().dispatch(RuntimeOrigin::signed(who.clone()));
			TransactionOutcome::Rollback(Ok::<_, polkadot_sdk::sp_runtime::DispatchError>(r))
		})
		.unwrap();
		let post = match result {
			Ok(post) => post,
			Err(e) => e.post_info,
		};
		let used = post.actual_weight.unwrap_or(charged);
		assert!(used.all_lte(charged), "block {block}: {} used {used:?}, charged {charged:?}", describe(&xt.function));
	}

	fn describe(call: &RuntimeCall) -> String {
		format!("{call:?}").chars().take(300).collect()
	}

	/// The invariants after a block (see the module's docs).
	fn check(block: BlockNumber, issuance: Balance) {
		crate::invariants::check().unwrap_or_else(|e| panic!("block {block}: {e}"));
		assert_eq!(Balances::total_issuance(), issuance, "block {block}: total issuance changed");
	}

	fn env(name: &str, default: u64) -> u64 {
		std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
	}

	#[test]
	fn random_call_sequences_keep_every_invariant() {
		let corpus = Corpus::new();
		let budget = Duration::from_secs(env("MODELCHAIN_FUZZ_SECS", 60));
		let first = env("MODELCHAIN_FUZZ_SEED", 0);
		let started = Instant::now();
		let mut outcomes: BTreeMap<String, (u32, u32)> = BTreeMap::new();
		let (mut seeds, mut blocks, mut answers) = (0u64, 0u32, 0usize);
		let mut seed = first;
		while seeds < MIN_SEEDS || started.elapsed() < budget {
			eprintln!("fuzz seed {seed}");
			let r = &mut Rng(seed);
			let (mut ext, drain_pool) =
				node(&[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]);
			ext.execute_with(|| {
				let mut chain = Chain::new(drain_pool);
				let issuance = Balances::total_issuance();
				let people = actors();
				let mut everyone: Vec<AccountId> = people.iter().map(account).collect();
				everyone.extend([Sr25519Keyring::Alice, Sr25519Keyring::Bob].map(|k| k.to_account_id()));
				for _ in 0..BLOCKS_PER_SEED {
					let mut xts = chain.pooled();
					answers += xts.len();
					let mut names = vec![String::new(); xts.len()];
					for _ in 0..r.below(7) {
						let who = r.pick(&people);
						let (name, c, signer) = call(r, &corpus, &account(who), &everyone, 0);
						let who = signer.and_then(|s| people.iter().find(|p| account(p) == s)).unwrap_or(who);
						xts.push(chain.sign(who, c));
						names.push(name);
					}
					let number = chain.number + 1;
					let (results, _) = chain.block_probed(xts, |xt| weighs_what_it_charges(number, xt));
					for (name, result) in names.iter().zip(&results).filter(|(n, _)| !n.is_empty()) {
						let entry = outcomes.entry(name.clone()).or_default();
						let dispatched_ok = matches!(result, Ok(Ok(())));
						entry.0 += u32::from(dispatched_ok);
						entry.1 += u32::from(!dispatched_ok);
					}
					chain.forget_nonces();
					check(chain.number, issuance);
					blocks += 1;
				}
			});
			seeds += 1;
			seed += 1;
		}
		println!(
			"fuzz: seeds {first}..{seed} ({seeds}), {blocks} blocks, {answers} worker transactions, in {:?}",
			started.elapsed()
		);
		for (name, (ok, refused)) in &outcomes {
			println!("  {name:28} {ok:>6} succeeded {refused:>6} refused or invalid");
		}
		// Every kind of call ran, and the deep ones got through: a bounty created, its chunks
		// revealed, models submitted; a request answered and challenged. (Withdrawing unbonded
		// stake needs the two-day unbonding period, longer than a seed's blocks.)
		assert_eq!(outcomes.len(), 20, "{outcomes:?}");
		for kind in [
			"balances.transfer",
			"bounties.create",
			"bounties.reveal_chunk",
			"bounties.submit",
			"models.register",
			"predictions.challenge",
			"predictions.request",
			"staking.bond",
			"staking.register_worker",
			"utility.batch",
		] {
			assert!(outcomes.get(kind).is_some_and(|(ok, _)| *ok > 0), "no {kind} succeeded: {outcomes:?}");
		}
	}
}
