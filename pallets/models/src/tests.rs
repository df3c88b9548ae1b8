//! Tests against the mock runtime. `build_and_execute` runs `do_try_state` after every test.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, model_builder, Error, Event, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{hold::Inspect as _, Inspect as _, Mutate as _},
		QueryPreimage,
	},
	BoundedVec,
};
use modelchain_nn::{Bounds, Dataset, DatasetBounds, Layer, Model, OutputKind};
use polkadot_sdk::{
	frame_support,
	sp_core::H256,
	sp_runtime::{ArithmeticError, DispatchError},
};

const DIGITS_TEST: &[u8] = include_bytes!("../../../primitives/nn/fixtures/digits_test.bin");
const DIGITS_LEN: u32 = 2_792;
const DIGITS_COST: u64 = 4_096;

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ModelDeposit.into(), &who)
}

fn preimage_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&PreimageHoldReason::get(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn requested(hash: &H256) -> bool {
	<Preimage as QueryPreimage>::is_requested(hash)
}

fn blob_len(hash: &H256) -> Option<u32> {
	<Preimage as QueryPreimage>::len(hash)
}

fn hash_of(blob: &[u8]) -> H256 {
	polkadot_sdk::sp_io::hashing::blake2_256(blob).into()
}

fn meta(bytes: &[u8]) -> MetadataOf<Test> {
	BoundedVec::try_from(bytes.to_vec()).expect("test metadata fits")
}

fn deposit(metadata_len: u32) -> Balance {
	MODEL_DEPOSIT + METADATA_DEPOSIT_PER_BYTE * metadata_len as Balance
}

/// Notes `blob` as `who` would with `preimage.notePreimage`, paying the preimage deposit.
fn note(who: AccountId, blob: &[u8]) -> H256 {
	assert_ok!(Preimage::note_preimage(RuntimeOrigin::signed(who), blob.to_vec()));
	hash_of(blob)
}

/// Notes `blob` without a deposit, as governance would; for blobs too large for a test balance.
fn note_free(blob: &[u8]) -> H256 {
	assert_ok!(Preimage::note_preimage(RuntimeOrigin::root(), blob.to_vec()));
	hash_of(blob)
}

fn register(who: AccountId, hash: H256, fee: Balance, metadata: &[u8]) -> ModelId {
	let id = NextModelId::<Test>::get();
	assert_ok!(MlModels::register_model(RuntimeOrigin::signed(who), hash, meta(metadata), fee));
	id
}

/// Account 1 notes the digits blob and registers it with `metadata`.
fn digits_model(metadata: &[u8]) -> ModelId {
	let hash = note(1, DIGITS);
	register(1, hash, 5, metadata)
}

fn info(model: ModelId) -> ModelInfo<Test> {
	Models::<Test>::get(model).expect("registered")
}

fn last_event() -> Event<Test> {
	model_events().pop().expect("an event")
}

fn with_bytes(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
	let mut blob = DIGITS.to_vec();
	f(&mut blob);
	blob
}

/// The digits model with its first dense layer's bias one element short.
fn shape_mismatch_blob() -> Vec<u8> {
	let mut model = Model::decode_blob(DIGITS, &Bounds::default()).unwrap();
	let Some(Layer::Dense(dense)) = model.layers.first_mut() else { panic!("digits starts with a dense layer") };
	dense.bias.pop();
	model.encode_blob()
}

/// The digits model followed by nine identity layers: over the mock's eight layers.
fn too_many_layers_blob() -> Vec<u8> {
	let mut model = Model::decode_blob(DIGITS, &Bounds::default()).unwrap();
	model.layers.extend((0..9).map(|_| Layer::Identity));
	model.encode_blob()
}

mod registration {
	use super::*;

	#[test]
	fn register_stores_the_model_holds_the_deposit_and_requests_the_blob() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			assert!(!requested(&hash));
			let preimage_deposit = PREIMAGE_BASE_DEPOSIT + PREIMAGE_BYTE_DEPOSIT * DIGITS_LEN as Balance;
			assert_eq!(preimage_held(1), preimage_deposit);

			let result = MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b"digits"), 7);
			assert_ok!(result);
			// Charged for this blob, not the longest one the bounds allow.
			assert_eq!(result.unwrap().actual_weight, Some(<() as WeightInfo>::register_model(DIGITS_LEN, 6)));

			assert_eq!(
				info(0),
				ModelInfo {
					owner: 1,
					blob_hash: hash,
					blob_len: DIGITS_LEN,
					input_len: 64,
					output_len: 10,
					output: OutputKind::Class,
					cost: DIGITS_COST,
					fee: 7,
					deposit: 112,
					metadata: meta(b"digits"),
					registered_at: 1,
					users: 0,
					retired: false,
				}
			);
			assert_eq!(deposit(6), 112);
			assert_eq!(held(1), 112);
			assert_eq!(free(1), INITIAL_BALANCE - preimage_deposit - 112);
			assert_eq!(Balances::total_balance(&1), INITIAL_BALANCE);
			assert_eq!(NextModelId::<Test>::get(), 1);
			assert!(requested(&hash));
			assert_eq!(last_event(), Event::ModelRegistered { model: 0, owner: 1, blob_hash: hash, fee: 7 });
			// The view function clients call.
			assert_eq!(MlModels::model(0), Some(info(0)));
			assert_eq!(MlModels::model(1), None);
		});
	}

	#[test]
	fn deposit_arithmetic_is_exact() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			let longest = [b'x'; MAX_METADATA_LEN as usize];
			for (who, metadata) in [(2, &b""[..]), (3, &b"a"[..]), (4, &longest[..])] {
				let model = register(who, hash, 0, metadata);
				let expected = MODEL_DEPOSIT + METADATA_DEPOSIT_PER_BYTE * metadata.len() as Balance;
				assert_eq!(info(model).deposit, expected);
				assert_eq!(held(who), expected);
				assert_eq!(free(who), INITIAL_BALANCE - expected);
			}
			assert_eq!(held(4), 164);
			// Two models of one owner: the hold is the sum.
			register(2, hash, 0, b"abc");
			assert_eq!(held(2), 100 + 106);
		});
	}

	#[test]
	fn the_owner_keeps_the_existential_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			Balances::set_balance(&21, deposit(2));
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(21), hash, meta(b"ab"), 0),
				Error::<Test>::InsufficientBalance
			);
			Balances::set_balance(&21, deposit(2) + 1);
			register(21, hash, 0, b"ab");
			assert_eq!(held(21), deposit(2));
			assert_eq!(free(21), 1);
		});
	}

	#[test]
	fn the_same_blob_can_be_registered_twice() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			let a = register(1, hash, 1, b"");
			let b = register(2, hash, 2, b"");
			assert_eq!((a, b), (0, 1));
			assert_eq!(info(b).blob_hash, hash);
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(1), a));
			// Requests are counted: the other model still holds the blob.
			assert!(requested(&hash));
			assert!(<MlModels as ModelRegistry<AccountId>>::load(b).is_ok());
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(2), b));
			assert!(!requested(&hash));
			// Identifiers are not reused.
			assert_eq!(register(3, hash, 0, b""), 2);
		});
	}

	#[test]
	fn retiring_returns_the_blob_to_its_noter() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			let preimage_deposit = preimage_held(1);
			let model = register(1, hash, 0, b"");
			// Requested: the noter cannot remove it.
			assert_noop!(
				Preimage::unnote_preimage(RuntimeOrigin::signed(2), hash),
				polkadot_sdk::pallet_preimage::Error::<Test>::NotAuthorized
			);
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(1), model));
			assert!(!requested(&hash));
			assert_eq!(blob_len(&hash), Some(DIGITS_LEN));
			assert_eq!(preimage_held(1), preimage_deposit);
			// The noter clears it and gets the preimage deposit back.
			assert_ok!(Preimage::unnote_preimage(RuntimeOrigin::signed(1), hash));
			assert_eq!(blob_len(&hash), None);
			assert_eq!(preimage_held(1), 0);
			assert_eq!(free(1), INITIAL_BALANCE);
		});
	}

	#[test]
	fn a_registered_blob_outlives_its_noter_unnoting_it() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			let model = register(1, hash, 0, b"");
			// pallet-preimage refunds the noter of a requested blob but keeps the blob.
			assert_ok!(Preimage::unnote_preimage(RuntimeOrigin::signed(1), hash));
			assert_eq!(preimage_held(1), 0);
			assert!(requested(&hash));
			assert!(<MlModels as ModelRegistry<AccountId>>::load(model).is_ok());
			// Retiring the last model then removes it.
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(1), model));
			assert_eq!(blob_len(&hash), None);
		});
	}

	#[test]
	fn register_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash_of(b"never noted"), meta(b""), 0),
				Error::<Test>::BlobNotFound
			);
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(42), hash, meta(b""), 0),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(MlModels::register_model(RuntimeOrigin::none(), hash, meta(b""), 0), DispatchError::BadOrigin);
			assert_noop!(MlModels::register_model(RuntimeOrigin::root(), hash, meta(b""), 0), DispatchError::BadOrigin);
			let too_many_outputs = note(1, &model_builder::dense_model(4, MAX_OUTPUT_LEN + 1).encode_blob());
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), too_many_outputs, meta(b""), 0),
				Error::<Test>::TooManyOutputs
			);
			let at_the_limit = note(1, &model_builder::dense_model(4, MAX_OUTPUT_LEN).encode_blob());
			register(1, at_the_limit, 0, b"");
			NextModelId::<Test>::put(ModelId::MAX);
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b""), 0),
				DispatchError::Arithmetic(ArithmeticError::Overflow)
			);
			NextModelId::<Test>::put(1);
			assert_eq!(held(42), 0);
		});
	}

	/// Each bad blob fails with its named error, changes no storage (`assert_noop` compares the
	/// storage root) and holds nothing.
	#[test]
	fn invalid_blobs_hit_named_errors_and_leave_no_trace() {
		ExtBuilder::default().build_and_execute(|| {
			let truncated = DIGITS[..DIGITS.len() - 1].to_vec();
			let cases: Vec<(&str, Vec<u8>, Error<Test>)> = vec![
				("truncated", truncated, Error::<Test>::MalformedModel),
				("trailing byte", with_bytes(|b| b.push(0)), Error::<Test>::MalformedModel),
				("empty", vec![], Error::<Test>::MalformedModel),
				("version byte only", vec![1], Error::<Test>::MalformedModel),
				("wrong version", with_bytes(|b| b[0] = 2), Error::<Test>::UnsupportedModelVersion),
				("bias too short", shape_mismatch_blob(), Error::<Test>::InvalidModelShape),
				// The mock allows 8 layers and dimensions up to 4 096.
				("too many layers", too_many_layers_blob(), Error::<Test>::ModelExceedsBounds),
				("too wide", model_builder::dense_model(4, 5_000).encode_blob(), Error::<Test>::ModelExceedsBounds),
			];
			for (name, blob, error) in cases {
				let error = DispatchError::from(error);
				// `note_preimage` of an empty blob is fine: pallet-preimage stores any length.
				let hash = note_free(&blob);
				assert_eq!(
					MlModels::register_model(RuntimeOrigin::signed(2), hash, meta(b"x"), 0).map_err(|e| e.error),
					Err(error),
					"{name}"
				);
				assert_noop!(MlModels::register_model(RuntimeOrigin::signed(2), hash, meta(b"x"), 0), error);
				assert!(!Models::<Test>::contains_key(0), "{name}");
				assert_eq!(held(2), 0, "{name}");
				assert_eq!(free(2), INITIAL_BALANCE, "{name}");
				// Still only the request `note_preimage` by root made, which governance can drop.
				assert_ok!(Preimage::unrequest_preimage(RuntimeOrigin::root(), hash));
				assert_eq!(blob_len(&hash), None, "{name}");
			}
			assert_eq!(NextModelId::<Test>::get(), 0);
		});
	}

	#[test]
	fn an_invalid_layer_tag_is_malformed() {
		ExtBuilder::default().build_and_execute(|| {
			// version, shape [1], scale, shift, zero point, one layer with tag 9.
			let blob = [&[1u8, 4, 1, 0, 0, 0][..], &[1, 0, 0, 0, 0, 0], &[4, 9]].concat();
			let hash = note_free(&blob);
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(2), hash, meta(b""), 0),
				Error::<Test>::MalformedModel
			);
		});
	}

	#[test]
	fn models_over_the_configured_bounds_are_refused() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			// Digits needs 64 × 32 + 32 × 10 = 2 368 multiply-accumulates.
			ModelBounds::set(Bounds { max_macs: 2_367, ..TEST_BOUNDS });
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b""), 0),
				Error::<Test>::ModelExceedsBounds
			);
			ModelBounds::set(Bounds { max_dimension: 63, ..TEST_BOUNDS });
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b""), 0),
				Error::<Test>::ModelExceedsBounds
			);
			// The length is checked before the blob is read.
			ModelBounds::set(Bounds { max_blob_len: DIGITS_LEN - 1, ..TEST_BOUNDS });
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b""), 0),
				Error::<Test>::BlobTooLarge
			);
			ModelBounds::set(Bounds { max_blob_len: DIGITS_LEN, max_macs: 2_368, ..TEST_BOUNDS });
			register(1, hash, 0, b"");
		});
	}

	/// Attack: a 250-byte model of stacked large-window pooling layers has no
	/// multiply-accumulates, so `max_macs` never stops it, yet one inference compares
	/// billions of values; once a result exists any challenge re-executes it inside a block.
	/// The cost bound refuses it at registration.
	#[test]
	fn a_model_of_pooling_layers_with_no_macs_is_refused_by_its_cost() {
		ExtBuilder::default().build_and_execute(|| {
			let hostile = model_builder::pool_chain_model(64, 63, 6);
			let unbounded_cost = Bounds { max_cost: u64::MAX, ..TEST_BOUNDS };
			let summary = hostile.validate(&unbounded_cost).unwrap();
			assert_eq!(summary.macs, 0);
			assert!(summary.cost >= 6 * 64 * 64 * 63 * 63, "cost {}", summary.cost);
			let blob = hostile.encode_blob();
			assert!(blob.len() < 300, "{} bytes", blob.len());
			let hash = note(1, &blob);
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b""), 0),
				Error::<Test>::ModelExceedsBounds
			);
			// Within every other bound, it is only the cost that stops it.
			ModelBounds::set(unbounded_cost);
			register(1, hash, 0, b"");
		});
	}

	#[test]
	fn a_blob_over_the_length_bound_is_refused() {
		ExtBuilder::default().build_and_execute(|| {
			let huge = model_builder::dense_blob(TEST_BOUNDS.max_blob_len + 2_000, &Bounds::default());
			assert!(huge.len() > TEST_BOUNDS.max_blob_len as usize);
			let hash = note_free(&huge);
			assert_noop!(
				MlModels::register_model(RuntimeOrigin::signed(1), hash, meta(b""), 0),
				Error::<Test>::BlobTooLarge
			);
		});
	}
}

mod management {
	use super::*;

	#[test]
	fn set_fee_works() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			assert_ok!(MlModels::set_fee(RuntimeOrigin::signed(1), model, 99));
			assert_eq!(info(model).fee, 99);
			assert_eq!(<MlModels as ModelRegistry<AccountId>>::model(model).map(|s| s.fee), Some(99));
			assert_eq!(last_event(), Event::FeeChanged { model, fee: 99 });
			assert_noop!(MlModels::set_fee(RuntimeOrigin::signed(2), model, 1), Error::<Test>::NotOwner);
			assert_noop!(MlModels::set_fee(RuntimeOrigin::signed(1), 7, 1), Error::<Test>::UnknownModel);
		});
	}

	#[test]
	fn set_metadata_rebalances_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			let free_before = free(1);
			assert_ok!(MlModels::set_metadata(RuntimeOrigin::signed(1), model, meta(b"0123456789")));
			assert_eq!(held(1), 120);
			assert_eq!(free(1), free_before - 20);
			assert_eq!(info(model).metadata, meta(b"0123456789"));
			assert_eq!(info(model).deposit, 120);
			assert_eq!(last_event(), Event::MetadataChanged { model, deposit: 120 });
			assert_ok!(MlModels::set_metadata(RuntimeOrigin::signed(1), model, meta(b"abc")));
			assert_eq!(held(1), 106);
			assert_eq!(free(1), free_before - 6);
			assert_eq!(last_event(), Event::MetadataChanged { model, deposit: 106 });
			assert_ok!(MlModels::set_metadata(RuntimeOrigin::signed(1), model, meta(b"")));
			assert_eq!(held(1), 100);
			assert_eq!(free(1), free_before);
		});
	}

	#[test]
	fn set_metadata_applies_the_current_deposit_rule() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"ab");
			assert_eq!(held(1), 104);
			TestModelDeposit::set(150);
			assert_ok!(MlModels::set_metadata(RuntimeOrigin::signed(1), model, meta(b"ab")));
			assert_eq!(held(1), 154);
			TestModelDeposit::set(10);
			assert_ok!(MlModels::set_metadata(RuntimeOrigin::signed(1), model, meta(b"ab")));
			assert_eq!(held(1), 14);
			assert_eq!(info(model).deposit, 14);
		});
	}

	#[test]
	fn set_metadata_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			Balances::set_balance(&21, deposit(0) + 1);
			let model = register(21, hash, 0, b"");
			assert_noop!(
				MlModels::set_metadata(RuntimeOrigin::signed(21), model, meta(b"a")),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(MlModels::set_metadata(RuntimeOrigin::signed(1), model, meta(b"a")), Error::<Test>::NotOwner);
			assert_noop!(MlModels::set_metadata(RuntimeOrigin::signed(21), 9, meta(b"a")), Error::<Test>::UnknownModel);
		});
	}

	#[test]
	fn retire_releases_everything() {
		ExtBuilder::default().build_and_execute(|| {
			let hash = note(1, DIGITS);
			let model = register(1, hash, 0, b"hello");
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 2));
			let free_before = free(1);
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(1), model));
			assert_eq!(held(1), 0);
			assert_eq!(free(1), free_before + deposit(5));
			assert!(!Models::<Test>::contains_key(model));
			assert!(!PendingOwner::<Test>::contains_key(model));
			assert!(!requested(&hash));
			assert_eq!(last_event(), Event::ModelRemoved { model });
			assert!(System::events()
				.iter()
				.any(|r| r.event == RuntimeEvent::MlModels(Event::ModelRetired { model, in_use_by: 0 })));
			assert_eq!(<MlModels as ModelRegistry<AccountId>>::model(model), None);
			assert_noop!(
				<MlModels as ModelRegistry<AccountId>>::load(model),
				DispatchError::from(Error::<Test>::UnknownModel)
			);
			assert_noop!(MlModels::retire_model(RuntimeOrigin::signed(1), model), Error::<Test>::UnknownModel);
			assert_noop!(MlModels::accept_ownership(RuntimeOrigin::signed(2), model), Error::<Test>::UnknownModel);
		});
	}

	#[test]
	fn retire_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			assert_noop!(MlModels::retire_model(RuntimeOrigin::signed(2), model), Error::<Test>::NotOwner);
			assert_noop!(MlModels::retire_model(RuntimeOrigin::signed(1), model + 1), Error::<Test>::UnknownModel);
		});
	}

	#[test]
	fn force_retire_works_for_any_model() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"abc");
			let hash = info(model).blob_hash;
			assert_noop!(MlModels::force_retire_model(RuntimeOrigin::signed(1), model), DispatchError::BadOrigin);
			assert_ok!(MlModels::force_retire_model(RuntimeOrigin::root(), model));
			assert_eq!(held(1), 0);
			assert!(!requested(&hash));
			assert_eq!(last_event(), Event::ModelRemoved { model });
			assert_noop!(MlModels::force_retire_model(RuntimeOrigin::root(), model), Error::<Test>::UnknownModel);
		});
	}

	/// Attack: an owner retires its model while requests are open and results can still be
	/// challenged, so challenges fail with `ModelUnavailable` and any answer passes. Retiring
	/// a model in use only stops new tasks; its blob stays loadable until the last one ends.
	#[test]
	fn retiring_a_model_in_use_keeps_it_loadable_until_the_last_user_releases_it() {
		ExtBuilder::default().build_and_execute(|| {
			type Registry = MlModels;
			let model = digits_model(b"");
			let hash = info(model).blob_hash;
			assert_ok!(<Registry as ModelRegistry<AccountId>>::acquire(model, 1));
			assert_ok!(<Registry as ModelRegistry<AccountId>>::acquire(model, 1));
			assert_eq!(<Registry as ModelRegistry<AccountId>>::users(model), 2);
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(1), model));
			assert_eq!(last_event(), Event::ModelRetired { model, in_use_by: 2 });
			// No new tasks, no owner actions...
			assert_eq!(<Registry as ModelRegistry<AccountId>>::model(model), None);
			assert!(<Registry as ModelRegistry<AccountId>>::acquire(model, 1).is_err());
			assert_noop!(MlModels::set_fee(RuntimeOrigin::signed(1), model, 5), Error::<Test>::UnknownModel);
			assert_noop!(MlModels::retire_model(RuntimeOrigin::signed(1), model), Error::<Test>::UnknownModel);
			assert_noop!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 2), Error::<Test>::UnknownModel);
			// ...but the open tasks can still load it, and the deposit still backs it.
			assert!(<Registry as ModelRegistry<AccountId>>::kept_model(model).is_some());
			assert_ok!(<Registry as ModelRegistry<AccountId>>::load(model));
			assert!(requested(&hash));
			assert_eq!(held(1), deposit(0));
			<Registry as ModelRegistry<AccountId>>::release(model);
			assert_ok!(<Registry as ModelRegistry<AccountId>>::load(model));
			// The last user's release removes it.
			<Registry as ModelRegistry<AccountId>>::release(model);
			assert_eq!(last_event(), Event::ModelRemoved { model });
			assert!(!Models::<Test>::contains_key(model));
			assert!(!requested(&hash));
			assert_eq!(held(1), 0);
			assert!(<Registry as ModelRegistry<AccountId>>::load(model).is_err());
		});
	}
}

mod ownership {
	use super::*;

	#[test]
	fn handover_moves_the_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"four");
			let d = deposit(4);
			let free_1 = free(1);
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 2));
			assert_eq!(PendingOwner::<Test>::get(model), Some(2));
			assert_eq!(last_event(), Event::OwnershipOffered { model, from: 1, to: 2 });
			// Nothing moves until accepted.
			assert_eq!(held(1), d);
			assert_eq!(held(2), 0);
			assert_ok!(MlModels::accept_ownership(RuntimeOrigin::signed(2), model));
			assert_eq!(held(1), 0);
			assert_eq!(free(1), free_1 + d);
			assert_eq!(held(2), d);
			assert_eq!(free(2), INITIAL_BALANCE - d);
			assert_eq!(info(model).owner, 2);
			assert_eq!(info(model).deposit, d);
			assert!(!PendingOwner::<Test>::contains_key(model));
			assert_eq!(last_event(), Event::OwnershipTransferred { model, from: 1, to: 2 });
			// The old owner lost its rights, the new one has them.
			assert_noop!(MlModels::set_fee(RuntimeOrigin::signed(1), model, 1), Error::<Test>::NotOwner);
			assert_ok!(MlModels::set_fee(RuntimeOrigin::signed(2), model, 1));
			assert_eq!(<MlModels as ModelRegistry<AccountId>>::model(model).map(|s| s.owner), Some(2));
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(2), model));
			assert_eq!(free(2), INITIAL_BALANCE);
		});
	}

	#[test]
	fn the_new_owner_pays_the_current_deposit() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"ab");
			TestModelDeposit::set(300);
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 2));
			assert_ok!(MlModels::accept_ownership(RuntimeOrigin::signed(2), model));
			assert_eq!(held(1), 0);
			assert_eq!(held(2), 304);
			assert_eq!(info(model).deposit, 304);
		});
	}

	#[test]
	fn a_new_offer_replaces_the_pending_one() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 2));
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 3));
			assert_noop!(MlModels::accept_ownership(RuntimeOrigin::signed(2), model), Error::<Test>::NotPendingOwner);
			assert_ok!(MlModels::accept_ownership(RuntimeOrigin::signed(3), model));
			assert_eq!(info(model).owner, 3);
		});
	}

	#[test]
	fn transfer_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			assert_noop!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 1), Error::<Test>::AlreadyOwner);
			assert_noop!(MlModels::transfer_ownership(RuntimeOrigin::signed(2), model, 3), Error::<Test>::NotOwner);
			assert_noop!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), 5, 3), Error::<Test>::UnknownModel);
			assert_noop!(MlModels::transfer_ownership(RuntimeOrigin::none(), model, 3), DispatchError::BadOrigin);
		});
	}

	#[test]
	fn accept_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			assert_noop!(MlModels::accept_ownership(RuntimeOrigin::signed(2), model), Error::<Test>::NotPendingOwner);
			assert_noop!(MlModels::accept_ownership(RuntimeOrigin::signed(1), model), Error::<Test>::NotPendingOwner);
			assert_noop!(MlModels::accept_ownership(RuntimeOrigin::signed(2), 3), Error::<Test>::UnknownModel);
			// A new owner who cannot pay the deposit: nothing changes, the offer stays.
			Balances::set_balance(&21, deposit(0));
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 21));
			assert_noop!(
				MlModels::accept_ownership(RuntimeOrigin::signed(21), model),
				Error::<Test>::InsufficientBalance
			);
			assert_eq!(held(1), deposit(0));
			assert_eq!(PendingOwner::<Test>::get(model), Some(21));
			Balances::set_balance(&21, deposit(0) + 1);
			assert_ok!(MlModels::accept_ownership(RuntimeOrigin::signed(21), model));
			assert_eq!(held(21), deposit(0));
		});
	}

	#[test]
	fn cancel_ownership_offer_works() {
		ExtBuilder::default().build_and_execute(|| {
			let model = digits_model(b"");
			assert_noop!(
				MlModels::cancel_ownership_offer(RuntimeOrigin::signed(1), model),
				Error::<Test>::NoPendingOffer
			);
			assert_ok!(MlModels::transfer_ownership(RuntimeOrigin::signed(1), model, 2));
			assert_noop!(MlModels::cancel_ownership_offer(RuntimeOrigin::signed(2), model), Error::<Test>::NotOwner);
			assert_noop!(MlModels::cancel_ownership_offer(RuntimeOrigin::signed(1), 4), Error::<Test>::UnknownModel);
			assert_ok!(MlModels::cancel_ownership_offer(RuntimeOrigin::signed(1), model));
			assert_eq!(last_event(), Event::OwnershipOfferCancelled { model });
			assert!(!PendingOwner::<Test>::contains_key(model));
			assert_noop!(MlModels::accept_ownership(RuntimeOrigin::signed(2), model), Error::<Test>::NotPendingOwner);
		});
	}
}

mod registry {
	use super::*;

	fn digits_samples() -> Vec<Vec<i8>> {
		let data = Dataset::decode_blob(DIGITS_TEST, &DatasetBounds::default()).expect("the committed test set");
		let samples = data.samples().expect("well-formed");
		(0..samples.min(100)).map(|i| data.sample(i).expect("in range").0.to_vec()).collect()
	}

	#[test]
	fn model_and_load_match_the_fixture() {
		ExtBuilder::default().models(vec![(3, DIGITS.to_vec(), 11, b"digits".to_vec())]).build_and_execute(|| {
			let summary = <MlModels as ModelRegistry<AccountId>>::model(0).expect("genesis model");
			assert_eq!(
				summary,
				ModelSummary {
					owner: 3,
					fee: 11,
					blob_hash: hash_of(DIGITS),
					blob_len: DIGITS_LEN,
					input_len: 64,
					output_len: 10,
					output: OutputKind::Class,
					cost: DIGITS_COST,
				}
			);
			let loaded = <MlModels as ModelRegistry<AccountId>>::load(0).expect("loads");
			let direct = Model::decode_blob(DIGITS, &Bounds::default()).expect("the fixture decodes");
			assert_eq!(loaded, direct);
			assert_eq!(loaded.cost(), DIGITS_COST);
			let samples = digits_samples();
			assert!(samples.len() >= 50);
			for input in samples {
				assert_eq!(loaded.run(&input), direct.run(&input));
				assert!(loaded.run(&input).is_ok());
			}
			assert_eq!(<MlModels as ModelRegistry<AccountId>>::model(1), None);
		});
	}

	#[test]
	fn load_errors() {
		ExtBuilder::default().models(vec![(3, DIGITS.to_vec(), 0, vec![])]).build_and_execute(|| {
			let load = <MlModels as ModelRegistry<AccountId>>::load;
			assert_noop!(load(1), DispatchError::from(Error::<Test>::UnknownModel));
			// Loading checks today's bounds.
			ModelBounds::set(Bounds { max_macs: 1_000, ..TEST_BOUNDS });
			assert_noop!(load(0), DispatchError::from(Error::<Test>::ModelExceedsBounds));
			ModelBounds::set(Bounds { max_blob_len: 1_000, ..TEST_BOUNDS });
			assert_noop!(load(0), DispatchError::from(Error::<Test>::BlobTooLarge));
			ModelBounds::set(TEST_BOUNDS);
			// Governance removes the blob behind the registry's back.
			let hash = hash_of(DIGITS);
			assert_ok!(Preimage::unrequest_preimage(RuntimeOrigin::root(), hash));
			assert_eq!(blob_len(&hash), None);
			assert_noop!(load(0), DispatchError::from(Error::<Test>::BlobNotFound));
			// Restore the request so try_state holds.
			assert_ok!(Preimage::request_preimage(RuntimeOrigin::root(), hash));
		});
	}

	#[test]
	fn every_engine_error_maps_onto_a_pallet_error() {
		use modelchain_nn::Error as E;
		let cases = [
			(E::BlobTooLarge, Error::<Test>::BlobTooLarge),
			(E::UnexpectedEnd, Error::<Test>::MalformedModel),
			(E::TrailingBytes, Error::<Test>::MalformedModel),
			(E::UnsupportedVersion { found: 7 }, Error::<Test>::UnsupportedModelVersion),
			(E::InvalidTag { found: 9 }, Error::<Test>::MalformedModel),
			(E::InvalidLength, Error::<Test>::MalformedModel),
			(E::TooManyLayers, Error::<Test>::ModelExceedsBounds),
			(E::TooManyParameters, Error::<Test>::ModelExceedsBounds),
			(E::InvalidRank { layer: 0 }, Error::<Test>::InvalidModelShape),
			(E::ZeroDimension { layer: 0 }, Error::<Test>::InvalidModelShape),
			(E::DimensionTooLarge { layer: 0 }, Error::<Test>::ModelExceedsBounds),
			(E::TensorTooLarge { layer: 0 }, Error::<Test>::ModelExceedsBounds),
			(E::FanInTooLarge { layer: 0 }, Error::<Test>::ModelExceedsBounds),
			(E::TooManyMacs, Error::<Test>::ModelExceedsBounds),
			(E::CostTooHigh, Error::<Test>::ModelExceedsBounds),
			(E::ShapeMismatch { layer: 0 }, Error::<Test>::InvalidModelShape),
			(E::ParameterCountMismatch { layer: 0 }, Error::<Test>::InvalidModelShape),
			(E::RequantCountMismatch { layer: 0 }, Error::<Test>::InvalidModelShape),
			(E::InvalidWindow { layer: 0 }, Error::<Test>::InvalidModelShape),
			(E::InputLengthMismatch { expected: 1, found: 2 }, Error::<Test>::MalformedModel),
			(E::DatasetShapeMismatch, Error::<Test>::MalformedModel),
			(E::TooManySamples, Error::<Test>::MalformedModel),
			(E::EmptyDataset, Error::<Test>::MalformedModel),
			(E::ChunkTooSmall, Error::<Test>::MalformedModel),
			(E::MetricMismatch, Error::<Test>::MalformedModel),
			(E::Overflow, Error::<Test>::MalformedModel),
		];
		for (nn, pallet) in cases {
			assert_eq!(MlModels::model_error(nn), DispatchError::from(pallet), "{nn:?}");
		}
	}
}

mod genesis {
	use super::*;

	#[test]
	fn genesis_registers_the_digits_fixture() {
		ExtBuilder::default().models(vec![(3, DIGITS.to_vec(), 11, b"digits".to_vec())]).build_and_execute(|| {
			let hash = hash_of(DIGITS);
			let model = info(0);
			assert_eq!((model.owner, model.fee, model.deposit), (3, 11, deposit(6)));
			assert_eq!((model.input_len, model.output_len, model.cost), (64, 10, DIGITS_COST));
			assert_eq!(model.metadata, meta(b"digits"));
			assert_eq!(model.registered_at, 0);
			assert_eq!(NextModelId::<Test>::get(), 1);
			assert_eq!(held(3), deposit(6));
			assert_eq!(free(3), INITIAL_BALANCE - deposit(6));
			// Noted by the system: nobody paid a preimage deposit.
			assert_eq!(preimage_held(3), 0);
			assert!(requested(&hash));
			// The model's request is the only one: retiring removes the blob.
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(3), 0));
			assert_eq!(blob_len(&hash), None);
			assert_eq!(free(3), INITIAL_BALANCE);
		});
	}

	#[test]
	fn genesis_may_register_one_blob_twice() {
		let models = vec![(3, DIGITS.to_vec(), 1, vec![]), (4, DIGITS.to_vec(), 2, b"x".to_vec())];
		ExtBuilder::default().models(models).build_and_execute(|| {
			let hash = hash_of(DIGITS);
			assert_eq!(info(1).owner, 4);
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(3), 0));
			assert_eq!(blob_len(&hash), Some(DIGITS_LEN));
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(4), 1));
			assert_eq!(blob_len(&hash), None);
		});
	}

	#[test]
	#[should_panic(expected = "genesis model #1 of 4 (2791 bytes) cannot be registered")]
	fn a_bad_genesis_model_panics() {
		let models = vec![(3, DIGITS.to_vec(), 1, vec![]), (4, DIGITS[1..].to_vec(), 2, vec![])];
		ExtBuilder::default().models(models).build();
	}

	#[test]
	#[should_panic(expected = "metadata longer than MaxMetadataLen")]
	fn genesis_metadata_must_fit() {
		ExtBuilder::default().models(vec![(3, DIGITS.to_vec(), 1, vec![0; 33])]).build();
	}

	#[test]
	#[should_panic(expected = "InsufficientBalance")]
	fn a_genesis_owner_must_afford_the_deposit() {
		ExtBuilder::default().models(vec![(99, DIGITS.to_vec(), 1, vec![])]).build();
	}
}

mod hooks {
	use super::*;

	#[test]
	fn integrity_test_accepts_the_mock() {
		ExtBuilder::default().build_and_execute(|| {
			MlModels::do_integrity_test();
			// The suggested ModelChain bounds pass too.
			ModelBounds::set(Bounds {
				max_blob_len: 4 * 1024 * 1024,
				max_macs: 50_000_000,
				max_cost: 60_000_000,
				..Bounds::default()
			});
			MlModels::do_integrity_test();
		});
	}

	#[test]
	#[should_panic(expected = "exceeds the largest preimage")]
	fn integrity_test_rejects_blobs_larger_than_a_preimage() {
		ExtBuilder::default().build_and_execute(|| {
			ModelBounds::set(Bounds { max_blob_len: 4 * 1024 * 1024 + 1, ..TEST_BOUNDS });
			MlModels::do_integrity_test();
		});
	}

	#[test]
	#[should_panic(expected = "to load and run a model")]
	fn integrity_test_rejects_bounds_beyond_the_heap() {
		ExtBuilder::default().build_and_execute(|| {
			// 12 MiB of blob and 16 × 4 Mi elements: over 64 MiB.
			ModelBounds::set(Bounds { max_tensor_len: 4 * 1024 * 1024, ..Bounds::default() });
			MlModels::do_integrity_test();
		});
	}

	#[test]
	fn try_state_detects_broken_invariants() {
		ExtBuilder::default().build().execute_with(|| {
			let model = digits_model(b"");
			assert_ok!(MlModels::do_try_state());
			Models::<Test>::mutate(model, |m| m.as_mut().unwrap().deposit += 1);
			assert!(MlModels::do_try_state().is_err());
			Models::<Test>::mutate(model, |m| m.as_mut().unwrap().deposit -= 1);
			PendingOwner::<Test>::insert(model + 1, 2);
			assert!(MlModels::do_try_state().is_err());
			PendingOwner::<Test>::remove(model + 1);
			NextModelId::<Test>::put(0);
			assert!(MlModels::do_try_state().is_err());
			NextModelId::<Test>::put(1);
			assert_ok!(Preimage::unrequest_preimage(RuntimeOrigin::root(), info(model).blob_hash));
			assert!(MlModels::do_try_state().is_err());
		});
	}
}

mod builder {
	use super::*;

	#[test]
	fn dense_blobs_have_about_the_requested_size_and_decode() {
		for bounds in [TEST_BOUNDS, Bounds::default()] {
			for target in [0, 30, 64, 100, 1_000, 5_000, 20_000, bounds.max_blob_len.min(1 << 20)] {
				let blob = model_builder::dense_blob(target, &bounds);
				let (in_features, _) = model_builder::dense_shape(target, &bounds);
				let len = blob.len() as u32;
				assert!(len <= target.max(80), "{target}: {len}");
				assert!(len + in_features + 5 + 72 >= target, "{target}: {len}");
				assert!(Model::decode_blob(&blob, &bounds).is_ok(), "{target}");
			}
		}
	}

	#[test]
	fn a_maximal_blob_fits_the_suggested_bounds() {
		let bounds = Bounds { max_blob_len: 4 * 1024 * 1024, max_macs: 50_000_000, ..Bounds::default() };
		let blob = model_builder::dense_blob(bounds.max_blob_len, &bounds);
		assert!(blob.len() as u32 > bounds.max_blob_len - 1_100);
		assert_eq!(Model::decode_blob(&blob, &bounds).unwrap().validate(&bounds).unwrap().output_len, 1);
		assert!(Model::decode_blob(&blob, &bounds).is_ok());
	}
}

#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helpers {
	use super::*;

	#[test]
	fn make_benchmark_model_funds_notes_and_registers() {
		ExtBuilder::default().build_and_execute(|| {
			let blob = model_builder::dense_blob(2_000, &TEST_BOUNDS);
			let model =
				<MlModels as ModelRegistry<AccountId>>::make_benchmark_model(&77, blob.clone(), 9).expect("registers");
			assert_eq!(info(model).owner, 77);
			assert_eq!(info(model).fee, 9);
			assert_eq!(held(77), MODEL_DEPOSIT);
			assert!(<MlModels as ModelRegistry<AccountId>>::load(model).is_ok());
			assert_ok!(MlModels::retire_model(RuntimeOrigin::signed(77), model));
			assert_eq!(blob_len(&hash_of(&blob)), None);
		});
	}
}

#[test]
fn register_for_lists_a_noted_model_exactly_as_the_call_does() {
	ExtBuilder::default().build_and_execute(|| {
		use modelchain_primitives::models::ModelRegistry;
		let hash = H256::from(polkadot_sdk::sp_io::hashing::blake2_256(DIGITS));
		// Not noted: refused, nothing held.
		assert!(<MlModels as ModelRegistry<AccountId>>::register_for(&2, hash, 7).is_err());
		assert_eq!(held(2), 0);
		assert_ok!(Preimage::note_preimage(RuntimeOrigin::signed(1), DIGITS.to_vec()));
		let id = <MlModels as ModelRegistry<AccountId>>::register_for(&2, hash, 7).unwrap();
		let info = Models::<Test>::get(id).unwrap();
		assert_eq!((info.owner, info.fee, info.blob_hash, info.cost), (2, 7, hash, DIGITS_COST));
		assert_eq!(held(2), MODEL_DEPOSIT, "the owner holds the registration deposit");
		assert!(requested(&hash), "the registry keeps the blob");
		assert!(model_events().contains(&Event::ModelRegistered { model: id, owner: 2, blob_hash: hash, fee: 7 }));
		// An owner that cannot pay the deposit: refused, nothing held.
		assert_ok!(Balances::transfer_all(RuntimeOrigin::signed(3), 4, false));
		assert!(<MlModels as ModelRegistry<AccountId>>::register_for(&3, hash, 7).is_err());
		assert_eq!(held(3), 0);
	});
}
