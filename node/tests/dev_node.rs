//! End to end against a real `modelchain-node --dev --tmp` process: block production and
//! finality, ModelCoin properties, a transfer with exact balance changes, the dev worker key, a
//! prediction and a bounty served by the node's own off-chain worker, chain-spec export, and the
//! polkadot.js (`@polkadot/api`) compatibility suite, all against one node started once for the
//! suite.

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
	bounty_is_scored_by_the_nodes_own_worker(&rpc);
	the_off_chain_worker_ran_its_models_natively(&node);
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

/// Dave posts a bounty on the digits test set; Eve submits the digits model, Ferdie a worse
/// one; the dev chain's evaluator (Alice's stash, worker key `//Alice`) scores both in the
/// node's off-chain worker; Eve is paid, her model is listed, and its first prediction is
/// answered. Prints the blocks each phase took.
fn bounty_is_scored_by_the_nodes_own_worker(rpc: &Rpc) {
	use modelchain_nn::{Dataset, DatasetBounds, Labels, Layer, Metric, MetricAccumulator, Model};
	use modelchain_runtime::{genesis_config_presets::DIGITS_MODEL, MILLI_MDC};
	use pallet_ml_bounties::{
		chunk_commitment, model_commitment, Call as B, Event as E, OutputShape, Payout, Phase, Terms,
	};
	use pallet_ml_predictions::Event as P;
	use polkadot_sdk::{frame_support::BoundedVec, pallet_preimage};

	const DIGITS_TEST: &[u8] = include_bytes!("../../primitives/nn/fixtures/digits_test.bin");
	let hash = |b: &[u8]| -> modelchain_runtime::Hash { polkadot_sdk::sp_io::hashing::blake2_256(b).into() };
	let (dave, eve, ferdie) = (Sr25519Keyring::Dave, Sr25519Keyring::Eve, Sr25519Keyring::Ferdie);
	let note = |who: Sr25519Keyring, bytes: Vec<u8>| {
		rpc.submit(who, RuntimeCall::Preimage(pallet_preimage::Call::note_preimage { bytes }))
	};
	let bounty_event = |from: u32, what: &str, pred: &dyn Fn(&E<modelchain_runtime::Runtime>) -> bool| {
		let (hash, events) = rpc.find_block_with(from, Duration::from_secs(120), |events| {
			events.iter().any(|r| matches!(&r.event, RuntimeEvent::MlBounties(e) if pred(e)))
		});
		let number = header_number(&rpc.header(Some(hash)));
		let found: Vec<_> = events
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::MlBounties(e) if pred(&e) => Some(e),
				_ => None,
			})
			.collect();
		println!("bounty: {what} at #{number}");
		(number, found)
	};

	// The digits test set in four chunks; the chain draws two of them as the test set.
	let all = Dataset::decode_blob(DIGITS_TEST, &DatasetBounds::default()).unwrap();
	let Labels::Class(labels) = &all.labels else { unreachable!("digits are classes") };
	let n = labels.len() / 4;
	let chunks: Vec<Vec<u8>> = (0..4)
		.map(|c| {
			let r = c * n..(c + 1) * n;
			Dataset {
				input_len: 64,
				inputs: all.inputs[r.start * 64..r.end * 64].to_vec(),
				labels: Labels::Class(labels[r].to_vec()),
			}
			.encode_blob()
		})
		.collect();
	let salt = |i: usize| [i as u8 + 40; 32];
	let commitments = chunks.iter().enumerate().map(|(i, c)| chunk_commitment(&hash(c), &salt(i))).collect::<Vec<_>>();
	let reward = 100 * MDC;
	let terms = Terms {
		input_len: 64,
		output: OutputShape::Classes(10),
		metric: Metric::Accuracy,
		min_score: 500_000,
		reward,
		trainer_stake: 10 * MDC,
		evaluation_fee: MDC,
		test_chunks: 2,
		validation_chunks: 0,
		max_chunk_samples: 1_000,
		max_model_cost: 10_000,
		max_submissions: 4,
		data_period: 5,
		submission_period: 5,
		reveal_period: 5,
		challenge_period: 5,
		payout: Payout::WinnerTakesAll,
	};
	let id = 0;
	let from = rpc.submit(
		dave,
		RuntimeCall::MlBounties(B::create_bounty {
			metadata: BoundedVec::truncate_from(b"digits, e2e".to_vec()),
			terms,
			chunks: BoundedVec::truncate_from(commitments),
		}),
	);
	let (created, _) = bounty_event(from, "created", &|e| matches!(e, E::BountyCreated { bounty: 0, .. }));
	let (split, events) = bounty_event(created, "split drawn", &|e| matches!(e, E::SplitDrawn { bounty: 0, .. }));
	let Some(E::SplitDrawn { test, .. }) = events.into_iter().next() else { unreachable!() };
	assert_eq!(split, created + 1, "the split is drawn in the block after creation");
	assert_eq!(test.len(), 2);
	let reveal = |i: usize| {
		note(dave, chunks[i].clone());
		rpc.submit(
			dave,
			RuntimeCall::MlBounties(B::reveal_chunk {
				bounty: id,
				chunk: i as u32,
				blob_hash: hash(&chunks[i]),
				salt: salt(i),
				uri: None,
			}),
		)
	};
	let mut from = split;
	for i in (0..4).filter(|i| !test.contains(&(*i as u32))) {
		from = reveal(i);
	}
	let (open, _) =
		bounty_event(from, "submissions open", &|e| matches!(e, E::PhaseStarted { phase: Phase::Submission, .. }));

	let mut weak = Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	let dense = weak.layers.iter_mut().rev().find_map(|l| if let Layer::Dense(d) = l { Some(d) } else { None });
	dense.unwrap().weights.iter_mut().for_each(|w| *w = 0);
	let weak = weak.encode_blob();
	let trainers = [(eve, DIGITS_MODEL.to_vec()), (ferdie, weak.clone())];
	for (t, blob) in &trainers {
		let commitment = model_commitment(id, &t.to_account_id(), &hash(blob), &[3; 32]);
		rpc.submit(*t, RuntimeCall::MlBounties(B::submit { bounty: id, commitment }));
	}
	let (reveal_open, _) =
		bounty_event(open, "reveals open", &|e| matches!(e, E::PhaseStarted { phase: Phase::Reveal, .. }));
	for i in &test {
		reveal(*i as usize);
	}
	// The digits model is a preimage already (the genesis demo model).
	note(ferdie, weak.clone());
	for (index, (t, blob)) in trainers.iter().enumerate() {
		rpc.submit(
			*t,
			RuntimeCall::MlBounties(B::reveal_model {
				bounty: id,
				submission: index as u32,
				blob_hash: hash(blob),
				salt: [3; 32],
				list_fee: Some(MILLI_MDC),
			}),
		);
	}
	let (drawn, events) = bounty_event(reveal_open, "evaluators drawn", &|e| matches!(e, E::EvaluatorsDrawn { .. }));
	let Some(E::EvaluatorsDrawn { evaluators, .. }) = events.into_iter().next() else { unreachable!() };
	assert_eq!(evaluators, vec![Sr25519Keyring::AliceStash.to_account_id()], "the dev chain's one evaluator");

	let score = |blob: &[u8]| {
		let model = Model::decode_blob(blob, &modelchain_nn::Bounds::default()).unwrap();
		let mut acc = MetricAccumulator::new(Metric::Accuracy);
		for i in &test {
			acc.add_chunk(&model, &Dataset::decode_blob(&chunks[*i as usize], &DatasetBounds::default()).unwrap())
				.unwrap();
		}
		acc.score().ok()
	};
	let expected = [score(DIGITS_MODEL), score(&weak)];
	let (scored, events) = bounty_event(drawn, "scores fixed", &|e| matches!(e, E::ScoreReported { .. }));
	let reported: Vec<_> = events
		.into_iter()
		.filter_map(|e| match e {
			E::ScoreReported { submission, score, .. } => Some((submission, score)),
			_ => None,
		})
		.collect();
	assert_eq!(
		reported,
		vec![(0, Some(expected[0])), (1, Some(expected[1]))],
		"the node's off-chain worker scored both"
	);
	let (finalized, events) =
		bounty_event(scored, "paid", &|e| matches!(e, E::BountyFinalized { .. } | E::WinnerListed { .. }));
	assert!(events.contains(&E::BountyFinalized {
		bounty: id,
		winners: vec![(0, eve.to_account_id(), reward)],
		refunded: 0
	}));
	let Some(E::WinnerListed { model, .. }) = events.into_iter().find(|e| matches!(e, E::WinnerListed { .. })) else {
		panic!("the winner is listed")
	};
	println!(
		"bounty: {} blocks from the end of the reveal phase to final scores; {} from creation to payout",
		scored - drawn + 1,
		finalized - created
	);

	// The listed model answers its first prediction.
	let input: Vec<i8> = (0..64u32).map(|i| (((i * 5 + 1) % 17) as i16 - 128) as i8).collect();
	let digits = Model::decode_blob(DIGITS_MODEL, &modelchain_nn::Bounds::default()).unwrap();
	let answer = pallet_ml_predictions::Prediction::from_output(digits.run(&input).unwrap()).unwrap();
	let from = rpc.submit(
		Sr25519Keyring::Bob,
		RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
			model,
			input: input.try_into().unwrap(),
			max_fee: MDC,
		}),
	);
	let (_, events) = rpc.find_block_with(from, Duration::from_secs(60), |events| {
		events.iter().any(
			|r| matches!(&r.event, RuntimeEvent::MlPredictions(P::PredictionReady { model: m, .. }) if *m == model),
		)
	});
	let output = events.iter().find_map(|r| match &r.event {
		RuntimeEvent::MlPredictions(P::PredictionReady { output, .. }) => Some(output.clone()),
		_ => None,
	});
	assert_eq!(output, Some(answer), "the winning model serves predictions");
}

/// The transaction fee `who` paid in a block's events (0 if none).
/// The node registers the native engine for its off-chain workers, and the prediction and the
/// bounty above ran through it: its summary line (logged when an off-chain worker run that
/// used it ends) counts predictions and test chunks.
fn the_off_chain_worker_ran_its_models_natively(node: &DevNode) {
	// "off-chain inference ran natively (avx2 kernel): 1 predictions, 0 test chunks (0 samples), 1 models"
	let count = |line: &str, after: &str| -> u64 {
		let tail = &line[line.find(after).map_or(line.len(), |i| i + after.len())..];
		tail.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty()).and_then(|n| n.parse().ok()).unwrap_or(0)
	};
	let lines = node.log_lines_with("off-chain inference ran natively");
	let predictions: u64 = lines.iter().map(|l| count(l, "kernel): ")).sum();
	let chunks: u64 = lines.iter().map(|l| count(l, "predictions, ")).sum();
	assert!(
		predictions >= 1 && chunks >= 1,
		"native runs logged: {predictions} predictions, {chunks} test chunks:\n{}",
		lines.join("\n")
	);
}

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
	// Every file of the suite, one at a time: they sign with the same dev accounts, whose nonces
	// two files at once would race for.
	let mut files: Vec<_> = std::fs::read_dir(&dir)
		.expect("tests/polkadot-js is readable")
		.filter_map(|entry| entry.ok().map(|e| e.path()))
		.filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
		.collect();
	files.sort();
	assert!(files.len() >= 3, "the suite's files: {files:?}");
	let out = Command::new("node")
		.arg("--test")
		.arg("--test-concurrency=1")
		.arg("--test-reporter=spec")
		.args(&files)
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
