//! `kill -9` of a dev node that keeps its chain in a `--base-path`, in the middle of a stream of
//! prediction requests (about ten a block for six blocks), then a restart on the same base
//! path; twice, the second kill soon after the first restart (while its off-chain worker
//! catches up).
//!
//! What must hold, and is asserted: nothing the node had finalized is lost (every finalized
//! block keeps its hash and the finalized head does not go back); every request the chain
//! accepted settles with the model's answer (the node's own worker answers what it owed
//! across the crash, so the crash costs it no missed-answer slash); and the state the node
//! finalizes afterwards keeps every invariant of the runtime (`modelchain_runtime::invariants`:
//! each market pallet's `try_state`, holds equal reserved balances, balances add up to the
//! issuance), checked natively on the node's own state read over RPC. Requests that were only
//! in the pool when the node died are lost with it (a pool is memory); the client resubmits
//! those, and the test counts none of them as accepted.

mod common;

use std::{
	collections::BTreeSet,
	time::{Duration, Instant},
};

use common::*;
use modelchain_runtime::{
	genesis_config_presets::{DEMO_MODEL_FEE, WORKER_FEE},
	RuntimeCall, RuntimeEvent,
};
use pallet_ml_predictions::{Event as P, RequestId};
use polkadot_sdk::{sp_core::storage::Storage, sp_io::TestExternalities, sp_keyring::Sr25519Keyring as K};

const SENDERS: [K; 4] = [K::Bob, K::Charlie, K::Dave, K::Eve];

/// Requests accepted (`PredictionRequested`), answered (`PredictionReady`) and failed
/// (`PredictionFailed`) in blocks `1..=to`.
fn outcomes(rpc: &Rpc, to: u32) -> (BTreeSet<RequestId>, BTreeSet<RequestId>, BTreeSet<RequestId>) {
	let (mut accepted, mut ready, mut failed) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
	for n in 1..=to {
		for record in rpc.events(rpc.block_hash(n)) {
			match record.event {
				RuntimeEvent::MlPredictions(P::PredictionRequested { request, .. }) => {
					accepted.insert(request);
				}
				RuntimeEvent::MlPredictions(P::PredictionReady { request, .. }) => {
					ready.insert(request);
				}
				RuntimeEvent::MlPredictions(P::PredictionFailed { request, .. }) => {
					failed.insert(request);
				}
				_ => {}
			}
		}
	}
	(accepted, ready, failed)
}

/// Streams requests (one every 0.6 s, about ten a block) until `count` have been sent.
fn load(rpc: &Rpc, count: usize, first: usize) {
	let genesis = rpc.block_hash(0);
	let input: Vec<i8> = (0..64).map(|j| (j * 3) as i8).collect();
	for i in first..first + count {
		let who = SENDERS[i % SENDERS.len()];
		let call = RuntimeCall::MlPredictions(pallet_ml_predictions::Call::request_prediction {
			model: 0,
			input: input.clone().try_into().unwrap(),
			max_fee: DEMO_MODEL_FEE + WORKER_FEE,
		});
		let xt = sign(who, call, rpc.next_nonce(&who.to_account_id()), genesis);
		rpc.try_submit(&xt).unwrap_or_else(|e| panic!("request {i} refused: {e}"));
		std::thread::sleep(Duration::from_millis(600));
	}
}

#[test]
fn a_killed_node_restarts_with_nothing_finalized_lost_and_every_request_settled() {
	let base = std::env::temp_dir().join(format!("modelchain-crash-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&base);
	let base_arg = base.to_str().unwrap().to_owned();
	let [rpc_port, p2p_port] = free_ports();
	let args = ["--dev", "--base-path", &base_arg];
	let mut node = DevNode::start_chain(&args, rpc_port, p2p_port);
	let mut sent = 0;
	let mut finalized_hashes = Vec::new();
	for (round, requests) in [(1, 60), (2, 15)] {
		let rpc = node.rpc();
		rpc.wait_for_best(rpc.best_number() + 1, Duration::from_secs(120));
		load(&rpc, requests, sent);
		sent += requests;
		let finalized = rpc.finalized_number();
		finalized_hashes = (0..=finalized).map(|n| rpc.block_hash(n)).collect();
		let best = rpc.best_number();
		node.kill();
		println!("round {round}: killed at best #{best}, finalized #{finalized}, {sent} requests sent so far");

		node = DevNode::start_chain(&args, rpc_port, p2p_port);
		let rpc = node.rpc();
		let restarted = rpc.finalized_number();
		assert!(restarted as usize + 1 >= finalized_hashes.len(), "finalized head went back to #{restarted}");
		for (n, hash) in finalized_hashes.iter().enumerate() {
			assert_eq!(rpc.block_hash(n as u32), *hash, "round {round}: finalized block #{n} changed");
		}
	}

	// Every accepted request settles with a result, from the restarted node's own worker.
	let rpc = node.rpc();
	let deadline = Instant::now() + Duration::from_secs(300);
	let (accepted, final_hash) = loop {
		let finalized = rpc.finalized_number();
		let (accepted, ready, failed) = outcomes(&rpc, finalized);
		assert!(failed.is_empty(), "requests failed after the crash (a missed answer): {failed:?}");
		assert!(ready.is_subset(&accepted), "a result for a request never accepted");
		if ready == accepted && finalized as usize > finalized_hashes.len() + 2 {
			break (accepted, rpc.block_hash(finalized));
		}
		assert!(
			Instant::now() < deadline,
			"{} of {} accepted requests never settled:\n{}",
			accepted.len() - ready.len(),
			accepted.len(),
			node.log_tail(40)
		);
		std::thread::sleep(Duration::from_secs(1));
	};
	assert!(accepted.len() >= sent / 3, "most requests were accepted: {} of {sent}", accepted.len());
	println!("{} of {sent} requests accepted, all answered", accepted.len());

	// The finalized state keeps every invariant of the runtime.
	let pairs = rpc.state_at(final_hash);
	println!("the finalized state after the restarts: {} keys", pairs.len());
	let storage = Storage { top: pairs.into_iter().collect(), children_default: Default::default() };
	let mut state = TestExternalities::new(storage);
	state.execute_with(|| {
		modelchain_runtime::invariants::check()
			.unwrap_or_else(|e| panic!("the restarted node's state breaks an invariant: {e}"));
		// The check reads this state: one unit of issuance more, and the balances no longer add up.
		let issuance = modelchain_runtime::Balances::total_issuance();
		polkadot_sdk::pallet_balances::TotalIssuance::<modelchain_runtime::Runtime>::put(issuance + 1);
		assert!(modelchain_runtime::invariants::check().is_err(), "a broken state passes the check");
	});

	drop(node);
	let _ = std::fs::remove_dir_all(&base);
}
