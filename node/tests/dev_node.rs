//! End to end against a real `modelchain-node --dev --tmp` process: block production and
//! finality, ModelCoin properties, a transfer with exact balance changes, the dev worker key,
//! chain-spec export, and the polkadot.js (`@polkadot/api`) compatibility suite, all against
//! one node started once for the suite.

mod common;

use std::{process::Command, time::Duration};

use common::*;
use modelchain_runtime::{RuntimeCall, RuntimeEvent, MDC};
use polkadot_sdk::{pallet_balances, pallet_transaction_payment, sp_keyring::Sr25519Keyring};
use serde_json::{json, Value};

#[test]
fn dev_node_end_to_end() {
	let mut node = DevNode::start(&[]);
	let rpc = node.rpc();

	blocks_are_produced_and_finalized(&rpc);
	system_properties_are_modelcoin(&rpc);
	dev_keystore_holds_alices_worker_key(&rpc);
	transfer_changes_balances_by_amount_and_fee(&rpc);
	prediction_is_answered_by_the_nodes_own_worker(&rpc);
	polkadot_js_api_is_compatible(&node);
}

fn blocks_are_produced_and_finalized(rpc: &Rpc) {
	let best = rpc.wait_for_best(3, Duration::from_secs(90));
	assert!(best >= 3);
	let deadline = std::time::Instant::now() + Duration::from_secs(90);
	loop {
		let finalized = rpc.finalized_number();
		if finalized >= 2 {
			break;
		}
		assert!(std::time::Instant::now() < deadline, "finality stuck at #{finalized}");
		std::thread::sleep(Duration::from_millis(500));
	}
}

fn system_properties_are_modelcoin(rpc: &Rpc) {
	let props: Value = rpc.call("system_properties", json!([]));
	assert_eq!(props["tokenSymbol"], "MDC", "{props}");
	assert_eq!(props["tokenDecimals"], 12, "{props}");
	assert_eq!(props["ss58Format"], 42, "{props}");
	let chain: String = rpc.call("system_chain", json!([]));
	assert_eq!(chain, "ModelChain Development");
}

fn dev_keystore_holds_alices_worker_key(rpc: &Rpc) {
	let alice = Sr25519Keyring::Alice.public();
	let has: bool = rpc.call("author_hasKey", json!([hex_of(&alice.0), "mlwk"]));
	assert!(has, "--dev must put Alice's worker key (mlwk) in the keystore");
	let bob = Sr25519Keyring::Bob.public();
	let has_bob: bool = rpc.call("author_hasKey", json!([hex_of(&bob.0), "mlwk"]));
	assert!(!has_bob, "only the dev seed's key is inserted");
}

fn transfer_changes_balances_by_amount_and_fee(rpc: &Rpc) {
	let alice = Sr25519Keyring::Alice.to_account_id();
	let bob = Sr25519Keyring::Bob.to_account_id();
	let amount = 12 * MDC + 345;
	let call =
		RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive { dest: bob.clone().into(), value: amount });
	let from = rpc.submit(Sr25519Keyring::Alice, call);

	let (hash, events) = rpc
		.find_block_with(from, Duration::from_secs(60), |events| {
			events.iter().any(|r| matches!(&r.event,
				RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, .. }) if *from == Sr25519Keyring::Alice.to_account_id()))
		})
		;

	let transferred = events.iter().find_map(|r| match &r.event {
		RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount }) if *from == alice => {
			Some((to.clone(), *amount))
		}
		_ => None,
	});
	assert_eq!(transferred, Some((bob.clone(), amount)));
	let fee = events
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::TransactionPayment(pallet_transaction_payment::Event::TransactionFeePaid {
				who,
				actual_fee,
				tip,
			}) if *who == alice => Some(actual_fee + tip),
			_ => None,
		})
		.expect("a TransactionFeePaid event for Alice");
	assert!(fee > 0);

	let parent = parent_hash(&rpc.header(Some(hash)));
	let alice_before = rpc.account(&alice, parent).data.free;
	let alice_after = rpc.account(&alice, hash).data.free;
	let bob_before = rpc.account(&bob, parent).data.free;
	let bob_after = rpc.account(&bob, hash).data.free;
	assert_eq!(alice_before - alice_after, amount + fee, "Alice pays amount plus fee");
	assert_eq!(bob_after - bob_before, amount, "Bob receives exactly the amount");
}

/// Bob asks the genesis digits model for a prediction; the dev worker (stash `//Alice//stash`)
/// answers through its worker key `//Alice` (inserted by `--dev`) in the node's off-chain
/// worker; quorum 1 finalizes it.
fn prediction_is_answered_by_the_nodes_own_worker(rpc: &Rpc) {
	use codec::{Decode, Encode};
	use modelchain_runtime::genesis_config_presets::{DEMO_MODEL_FEE, DIGITS_MODEL, WORKER_FEE};
	use pallet_ml_predictions::{Event as P, Prediction, PredictionResult};
	use polkadot_sdk::frame_support::view_functions::{ViewFunction, ViewFunctionDispatchError};

	let alice = Sr25519Keyring::Alice.to_account_id();
	let stash = Sr25519Keyring::AliceStash.to_account_id();
	let bob = Sr25519Keyring::Bob.to_account_id();
	let input: Vec<i8> = (0..64u32).map(|i| (((i * 7 + 3) % 17) as i16 - 128) as i8).collect();
	let model = modelchain_nn::Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	let expected = Prediction::from_output(model.run(&input).unwrap()).unwrap();
	let fee = DEMO_MODEL_FEE + WORKER_FEE;

	let call = RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
		model: 0,
		input: input.clone().try_into().unwrap(),
		max_fee: fee,
	});
	let from = rpc.submit(Sr25519Keyring::Bob, call);
	let is_request = |r: &common::EventRecord| matches!(&r.event, RuntimeEvent::MlPredictions(P::PredictionRequested { requester, .. }) if *requester == bob);
	let (requested_at, events) =
		rpc.find_block_with(from, Duration::from_secs(60), |events| events.iter().any(is_request));
	let request = events
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::MlPredictions(P::PredictionRequested { request, fee: held, .. }) => {
				assert_eq!(*held, fee);
				Some(*request)
			}
			_ => None,
		})
		.unwrap();
	let request_fee_paid = tx_fee_of(&events, &bob);

	// The workers are drawn in the next block, from randomness the request could not know.
	let requested_number = header_number(&rpc.header(Some(requested_at)));
	let (drawn_at, events) = rpc.find_block_with(requested_number + 1, Duration::from_secs(60), |events| {
		events.iter().any(
			|r| matches!(&r.event, RuntimeEvent::MlPredictions(P::WorkersAssigned { request: id, .. }) if *id == request),
		)
	});
	assert_eq!(header_number(&rpc.header(Some(drawn_at))), requested_number + 1, "drawn in the next block");
	let workers = events
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::MlPredictions(P::WorkersAssigned { workers, .. }) => Some(workers.clone()),
			_ => None,
		})
		.unwrap();
	assert_eq!(workers, vec![stash.clone()], "the dev chain's only worker is Alice's stash");
	let (ready_at, events) = rpc.find_block_with(requested_number + 1, Duration::from_secs(60), |events| {
		events.iter().any(
			|r| matches!(&r.event, RuntimeEvent::MlPredictions(P::PredictionReady { request: id, .. }) if *id == request),
		)
	});
	let ready_number = header_number(&rpc.header(Some(ready_at)));
	// Drawn in the next block, answered in the one after; one block of slack for an off-chain
	// worker transaction that misses its block.
	assert!(ready_number <= requested_number + 3, "requested at #{requested_number}, answered at #{ready_number}");
	let (output, agreeing) = events
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::MlPredictions(P::PredictionReady { output, agreeing, .. }) => {
				Some((output.clone(), agreeing.clone()))
			}
			_ => None,
		})
		.unwrap();
	assert_eq!(output, expected, "the chain's answer is the engine's native output");
	assert_eq!(agreeing, vec![stash.clone()]);
	// The answer, signed by the worker key Alice, was free.
	assert_eq!(tx_fee_of(&events, &alice), 0);

	// Balances: Bob pays the two fees plus his transaction fee; Alice (the model owner) gets
	// the model fee and her stash (the worker) the worker fee.
	let total = |who, at| {
		let data = rpc.account(who, at).data;
		data.free + data.reserved
	};
	let before_request = parent_hash(&rpc.header(Some(requested_at)));
	assert_eq!(total(&bob, before_request) - total(&bob, ready_at), fee + request_fee_paid);
	let before_ready = parent_hash(&rpc.header(Some(ready_at)));
	assert_eq!(total(&alice, ready_at) - total(&alice, before_ready), DEMO_MODEL_FEE);
	assert_eq!(total(&stash, ready_at) - total(&stash, before_ready), WORKER_FEE);

	// The view function returns the stored result.
	let id = pallet_ml_predictions::ResultViewFunction::<modelchain_runtime::Runtime>::id();
	let args = (id, request.encode()).encode();
	let raw: String = rpc.call(
		"state_call",
		json!(["RuntimeViewFunction_execute_view_function", hex_of(&args), hex_of(ready_at.as_bytes())]),
	);
	let bytes = from_hex(&raw);
	let out = Result::<Vec<u8>, ViewFunctionDispatchError>::decode(&mut &bytes[..]).unwrap().unwrap();
	let result = Option::<PredictionResult<modelchain_runtime::Runtime>>::decode(&mut &out[..]).unwrap().unwrap();
	assert_eq!(result.output, expected);
	assert_eq!(result.input.to_vec(), input);
	assert_eq!(result.requester, bob);
}

/// The transaction fee `who` paid in a block's events (0 if none).
fn tx_fee_of(events: &[common::EventRecord], who: &modelchain_runtime::AccountId) -> modelchain_runtime::Balance {
	events
		.iter()
		.filter_map(|r| match &r.event {
			RuntimeEvent::TransactionPayment(pallet_transaction_payment::Event::TransactionFeePaid {
				who: payer,
				actual_fee,
				tip,
			}) if payer == who => Some(actual_fee + tip),
			_ => None,
		})
		.sum()
}

fn polkadot_js_api_is_compatible(node: &DevNode) {
	// The runtime value: a test binary built in another checkout of the same tree is reused.
	let dir = std::path::PathBuf::from(
		std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
	)
	.join("../tests/polkadot-js");
	assert!(
		dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run `npm ci --prefix tests/polkadot-js` (the README's test command does)"
	);
	let out = Command::new("node")
		.arg("--test")
		.arg("--test-reporter=spec")
		.arg(dir.join("api.test.mjs"))
		.env("MODELCHAIN_WS", node.ws_url())
		.output()
		.expect("node (Node.js) runs");
	let stdout = String::from_utf8_lossy(&out.stdout);
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "polkadot.js suite failed:\n{stdout}\n{stderr}");
}

#[test]
fn export_chain_spec_names_the_preset_and_modelcoin() {
	let out = Command::new(DevNode::binary())
		.args(["export-chain-spec", "--chain", "dev"])
		.output()
		.expect("export-chain-spec runs");
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let spec: Value = serde_json::from_slice(&out.stdout).expect("chain spec is JSON");
	assert_eq!(spec["properties"]["tokenSymbol"], "MDC");
	assert_eq!(spec["properties"]["tokenDecimals"], 12);
	assert_eq!(spec["properties"]["ss58Format"], 42);
	assert_eq!(spec["id"], "modelchain_dev");

	let raw = Command::new(DevNode::binary())
		.args(["build-spec", "--chain", "local", "--raw"])
		.output()
		.expect("build-spec runs");
	assert!(raw.status.success(), "{}", String::from_utf8_lossy(&raw.stderr));
	let raw: Value = serde_json::from_slice(&raw.stdout).expect("raw chain spec is JSON");
	assert!(raw["genesis"]["raw"]["top"].is_object());
}

#[test]
fn key_insert_adds_a_worker_key() {
	let dir = std::env::temp_dir().join(format!("mlc-keystore-{}", std::process::id()));
	let out = Command::new(DevNode::binary())
		.args(["key", "insert", "--chain", "dev", "--key-type", "mlwk", "--scheme", "sr25519"])
		.args(["--suri", "//Dave"])
		.arg("--keystore-path")
		.arg(&dir)
		.output()
		.expect("key insert runs");
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	// The keystore file name is the key type's hex followed by the public key's hex.
	let dave = hex_of(&Sr25519Keyring::Dave.public().0);
	let expected = format!("{}{}", "6d6c776b", &dave[2..]);
	let names: Vec<String> =
		std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
	let _ = std::fs::remove_dir_all(&dir);
	assert_eq!(names, vec![expected]);
}
