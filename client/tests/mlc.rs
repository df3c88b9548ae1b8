//! `mlc` end to end: the real binary against real `modelchain-node` processes (loopback only,
//! started once for the suite), every check reading the chain back through `mlc --json`: a
//! `--dev` node for the market's stories, and a `--chain dev-fast` one (the same runtime with
//! short periods: 45 blocks to unbond) on which a worker's whole lifecycle runs meanwhile.
//!
//! The node binary is the one `scripts/test.sh` builds first (`$CARGO_TARGET_DIR/release/
//! modelchain-node`, found next to this test's own binary).

use std::{
	io::{BufRead, BufReader},
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use modelchain_nn::{Model, Output};
use modelchain_nn_import::{data, quantize};
use serde_json::{json, Value};

const MDC: u128 = 1_000_000_000_000;

fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// This crate's directory where the test runs: `cargo test` says so at run time; the path baked
/// in at compile time is a fallback only, since a test binary cached from another checkout of
/// the same target directory keeps that checkout's path (CI's clone and a session's share one).
fn manifest_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()).into()
}

/// `primitives/nn-import/fixtures/<name>`.
fn fixture(name: &str) -> PathBuf {
	manifest_dir().join("../primitives/nn-import/fixtures").join(name)
}

/// The node `scripts/test.sh` built: `<target>/release/modelchain-node`, this test binary being
/// `<target>/release/deps/mlc-…`.
fn node_binary() -> PathBuf {
	let exe = std::env::current_exe().unwrap();
	let release = exe.parent().and_then(Path::parent).expect("the test runs from <target>/release/deps");
	let node = release.join("modelchain-node");
	assert!(
		node.exists(),
		"{} is missing: build the node first (`cargo build --release -p modelchain-node`)",
		node.display()
	);
	node
}

struct Node {
	child: Child,
	url: String,
	log: Arc<Mutex<Vec<String>>>,
}

impl Node {
	/// A `--dev` node running `chain` (`dev` or `dev-fast`).
	fn start(chain: &str) -> Node {
		let rpc_port = free_port();
		let mut child = Command::new(node_binary())
			.args(["--dev", "--chain", chain, "--tmp", "--no-prometheus", "--no-telemetry", "--no-mdns"])
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{}", free_port())])
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.expect("modelchain-node starts");
		let log = Arc::new(Mutex::new(Vec::new()));
		let sink = log.clone();
		let stderr = child.stderr.take().unwrap();
		std::thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				sink.lock().unwrap().push(line);
			}
		});
		let node = Node { child, url: format!("ws://127.0.0.1:{rpc_port}"), log };
		let deadline = Instant::now() + Duration::from_secs(120);
		// Ready once block 1 exists: `mlc` sees a chain that produces blocks.
		loop {
			let out = node.mlc(&["bounty", "list"]);
			if out.ok && node.log.lock().unwrap().iter().any(|l| l.contains("Imported #1")) {
				return node;
			}
			assert!(Instant::now() < deadline, "the node never came up:\n{}", node.log_tail());
			std::thread::sleep(Duration::from_millis(500));
		}
	}

	fn log_tail(&self) -> String {
		let log = self.log.lock().unwrap();
		log.iter().rev().take(30).rev().cloned().collect::<Vec<_>>().join("\n")
	}

	/// Runs `mlc --url <node> args…`.
	fn mlc(&self, args: &[&str]) -> Run {
		mlc_at(&self.url, args)
	}

	/// Runs `mlc --json …`, which must succeed; its JSON output.
	fn json(&self, args: &[&str]) -> Value {
		let mut all = vec!["--json"];
		all.extend_from_slice(args);
		let run = self.mlc(&all);
		assert!(run.ok, "mlc {args:?} failed:\n{}\n{}", run.stderr, run.stdout);
		serde_json::from_str(&run.stdout)
			.unwrap_or_else(|e| panic!("mlc {args:?} printed no JSON ({e}): {}", run.stdout))
	}

	fn free(&self, who: &str) -> u128 {
		self.json(&["balance", who])["free"].as_str().unwrap().parse().unwrap()
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

struct Run {
	ok: bool,
	stdout: String,
	stderr: String,
}

fn mlc_at(url: &str, args: &[&str]) -> Run {
	let out = Command::new(env!("CARGO_BIN_EXE_mlc"))
		.args(["--url", url])
		.args(args)
		.env_remove("MLC_SURI")
		.output()
		.expect("mlc runs");
	Run {
		ok: out.status.success(),
		stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
		stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
	}
}

/// A transaction whose call the chain must refuse with `error`: the fee it cost, which `mlc`
/// reports with the error.
fn refused(node: &Node, args: &[&str], error: &str) -> u128 {
	let run = node.mlc(&[&["--json"][..], args].concat());
	assert!(!run.ok, "expected {error}, got:\n{}", run.stdout);
	let report: Value =
		serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("no JSON error ({e}): {}", run.stdout));
	let message = report["error"].as_str().unwrap();
	assert!(message.contains(error) && message.contains("nothing changed but its fee"), "{message}");
	let fee: u128 = report["fees_paid"].as_str().unwrap().parse().unwrap();
	assert!(fee > 0, "an included transaction pays its fee: {report}");
	fee
}

/// A command that must fail: its stderr, checked to name the problem and not to leak `secret`.
fn fails(run: Run, says: &str) -> String {
	assert!(!run.ok, "expected a failure, got:\n{}", run.stdout);
	assert!(run.stderr.contains(says), "the error should say `{says}`:\n{}", run.stderr);
	run.stderr
}

#[test]
fn mlc_end_to_end() {
	let dir = tempfile::tempdir().unwrap();
	a_node_that_is_not_running_is_a_clear_error();
	let node = Node::start("dev");
	let fast = Node::start("dev-fast");
	std::thread::scope(|s| {
		// Mostly waiting for the unbonding period: alongside the rest.
		let worker = s.spawn(|| a_worker_bonds_registers_unbonds_and_withdraws(&fast));
		transfer_moves_exactly_the_amount_and_the_fee(&node);
		bad_input_is_refused_with_a_clear_message_and_changes_nothing(&node, dir.path());
		a_quantized_model_is_registered_and_answers_like_the_engine(&node, dir.path());
		a_bounty_through_mlc_pays_the_best_model_and_lists_it(&node, dir.path());
		a_forecasting_bounty_scores_the_lstm_by_its_error(&node, dir.path());
		worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
	});
}

fn a_node_that_is_not_running_is_a_clear_error() {
	let url = format!("ws://127.0.0.1:{}", free_port());
	let err = fails(mlc_at(&url, &["balance", "//Alice"]), "cannot reach a ModelChain node");
	assert!(err.contains(&url), "{err}");
}

fn transfer_moves_exactly_the_amount_and_the_fee(node: &Node) {
	let (alice0, bob0) = (node.free("//Alice"), node.free("//Bob"));
	let sent = node.json(&["--suri", "//Alice", "transfer", "--to", "//Bob", "--amount", "1.5"]);
	assert_eq!(sent["amount"], "1500000000000");
	let fee: u128 = sent["fee"].as_str().unwrap().parse().unwrap();
	assert!(fee > 0);
	assert_eq!(node.free("//Bob"), bob0 + 1_500_000_000_000);
	assert_eq!(node.free("//Alice"), alice0 - 1_500_000_000_000 - fee);
}

fn bad_input_is_refused_with_a_clear_message_and_changes_nothing(node: &Node, dir: &Path) {
	let before = node.free("//Alice");
	// A secret URI that is not one: refused, and never echoed.
	let secret = "correct horse battery staple";
	let err = fails(node.mlc(&["--suri", secret, "transfer", "--to", "//Bob", "--amount", "1"]), "secret URI");
	assert!(!err.contains(secret), "{err}");
	// Signing without a key.
	fails(node.mlc(&["transfer", "--to", "//Bob", "--amount", "1"]), "--suri");
	// An amount that is not one.
	fails(node.mlc(&["--suri", "//Alice", "transfer", "--to", "//Bob", "--amount", "1.2.3"]), "not an amount of MDC");
	// More than the account has: refused before anything is sent.
	fails(
		node.mlc(&["--suri", "//Alice", "transfer", "--to", "//Bob", "--amount", "1000000000"]),
		"insufficient funds",
	);
	// An account with nothing.
	fails(node.mlc(&["--suri", "//Nobody", "transfer", "--to", "//Bob", "--amount", "1"]), "insufficient funds");
	// A call the chain refuses costs its fee, so `mlc` refuses what it can see will fail; what
	// only the chain knows comes back as the pallet error's name and documentation.
	fails(node.mlc(&["--suri", "//Bob", "model", "retire", "0"]), "MlModels::NotOwner");
	// An unknown model.
	fails(node.mlc(&["model", "show", "99"]), "no model 99");
	fails(node.mlc(&["--suri", "//Alice", "predict", "--model", "99", "--input", "1,2"]), "no model 99");
	// A malformed ONNX file, and a CSV with a bad row.
	let onnx = dir.join("broken.onnx");
	std::fs::write(&onnx, b"this is not protobuf").unwrap();
	let out = dir.join("never.bin");
	let (onnx_arg, out_arg) = (onnx.to_str().unwrap(), out.to_str().unwrap());
	let calib = fixture("digits_calib_x.npy");
	fails(
		node.mlc(&[
			"model",
			"quantize",
			"--onnx",
			onnx_arg,
			"--calibration",
			calib.to_str().unwrap(),
			"--out",
			out_arg,
		]),
		"importing",
	);
	let csv = dir.join("bad.csv");
	std::fs::write(&csv, "1,2,3\n4,five,6\n").unwrap();
	let good_onnx = fixture("digits_mlp.onnx");
	fails(
		node.mlc(&[
			"model",
			"quantize",
			"--onnx",
			good_onnx.to_str().unwrap(),
			"--calibration",
			csv.to_str().unwrap(),
			"--out",
			out_arg,
		]),
		"`five` is not a number",
	);
	assert!(!out.exists(), "no blob written on error");
	assert_eq!(node.free("//Alice"), before, "no failed command cost anything");
}

fn a_quantized_model_is_registered_and_answers_like_the_engine(node: &Node, dir: &Path) {
	let blob_path = dir.join("digits.bin");
	let quantized = node.json(&[
		"model",
		"quantize",
		"--onnx",
		fixture("digits_mlp.onnx").to_str().unwrap(),
		"--calibration",
		fixture("digits_calib_x.npy").to_str().unwrap(),
		"--out",
		blob_path.to_str().unwrap(),
		"--test",
		fixture("digits_test_x.npy").to_str().unwrap(),
		"--labels",
		fixture("digits_test_y.npy").to_str().unwrap(),
		"--classifier",
	]);
	let float = quantized["float_accuracy"].as_f64().unwrap();
	let quant = quantized["quantized_accuracy"].as_f64().unwrap();
	assert!(float > 0.9 && quant > 0.9 && (float - quant).abs() < 0.05, "{quantized}");

	let listed_before = node.json(&["model", "list"]).as_array().unwrap().len();
	let registered = node.json(&[
		"--suri",
		"//Charlie",
		"model",
		"register",
		"--blob",
		blob_path.to_str().unwrap(),
		"--fee",
		"0.01",
		"--metadata",
		"digits, mlc",
	]);
	let id = registered["model"].as_u64().unwrap().to_string();
	let shown = node.json(&["model", "show", &id]);
	assert_eq!(shown["owner"], "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y", "Charlie owns it");
	assert_eq!(shown["fee"], (MDC / 100).to_string());
	assert_eq!(shown["metadata"], "digits, mlc");
	assert_eq!(node.json(&["model", "list"]).as_array().unwrap().len(), listed_before + 1);

	// Held-out samples, written as a user would: a CSV of pixel values.
	let blob = std::fs::read(&blob_path).unwrap();
	let model = Model::decode_blob(&blob, &modelchain_nn::Bounds::default()).unwrap();
	let test = data::read_npy_table(fixture("digits_test_x.npy")).unwrap();
	for sample in [3usize, 17] {
		let x = test.row(sample);
		let csv = dir.join(format!("sample{sample}.csv"));
		std::fs::write(&csv, x.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")).unwrap();
		let Output::Class(expected) = model.run(&quantize::quantize_input(&model.input, x)).unwrap() else {
			panic!("digits is a classifier")
		};
		let bob0 = node.free("//Bob");
		let answer = node.json(&["--suri", "//Bob", "predict", "--model", &id, "--input", csv.to_str().unwrap()]);
		assert_eq!(answer["class"].as_u64(), Some(u64::from(expected)), "{answer}");
		assert!(node.free("//Bob") < bob0, "the prediction was paid for");
		let request = answer["request"].as_u64().unwrap().to_string();
		let status = node.json(&["request", "status", &request]);
		assert_eq!((status["state"].as_str(), status["class"].as_u64()), (Some("answered"), Some(u64::from(expected))));
	}
	// The wrong number of inputs is refused before anything is sent.
	fails(
		node.mlc(&["--suri", "//Bob", "predict", "--model", &id, "--input", "1,2,3"]),
		"takes 64 input values, got 3",
	);

	// Several rows of a file in one `request_predictions`: each its own request and answer, in
	// row order.
	let samples = [5usize, 23, 42];
	let csv = dir.join("rows.csv");
	let lines: Vec<String> =
		samples.iter().map(|&i| test.row(i).iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")).collect();
	std::fs::write(&csv, lines.join("\n")).unwrap();
	let csv_arg = csv.to_str().unwrap();
	let batch = node.json(&["--suri", "//Bob", "predict", "--model", &id, "--input", csv_arg, "--rows", "3"]);
	let predictions = batch["predictions"].as_array().unwrap();
	assert_eq!(predictions.len(), 3, "{batch}");
	let ids: Vec<u64> = predictions.iter().map(|p| p["request"].as_u64().unwrap()).collect();
	assert_eq!(ids, vec![ids[0], ids[0] + 1, ids[0] + 2], "consecutive ids in row order: {batch}");
	for (p, &i) in predictions.iter().zip(&samples) {
		let Output::Class(expected) = model.run(&quantize::quantize_input(&model.input, test.row(i))).unwrap() else {
			panic!("digits is a classifier")
		};
		assert_eq!(p["class"].as_u64(), Some(u64::from(expected)), "row of sample {i}: {batch}");
	}
	fails(
		node.mlc(&["--suri", "//Bob", "predict", "--model", &id, "--input", csv_arg, "--rows", "5"]),
		"has 3 rows, fewer than the 5 asked",
	);

	// A challenge of a right answer: the chain re-executes the model, the result stands and the
	// challenger loses exactly the deposit (plus the transaction fee).
	let request = node.json(&[
		"--suri",
		"//Eve",
		"predict",
		"--model",
		&id,
		"--input",
		&test.row(40).iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","),
	]);
	let eve0 = total(node, "//Eve");
	let challenged = node.json(&["--suri", "//Eve", "challenge", &request["request"].as_u64().unwrap().to_string()]);
	assert_eq!(challenged["upheld"], false, "{challenged}");
	let deposit: u128 = challenged["deposit_lost"].as_str().unwrap().parse().unwrap();
	assert_eq!(deposit, 10 * MDC, "the runtime's challenge deposit");
	assert_eq!(total(node, "//Eve"), eve0 - deposit - fees(&challenged));
}

/// Free plus held MDC of `who`: what a bounty moves, whatever is held for what.
fn total(node: &Node, who: &str) -> u128 {
	let b = node.json(&["balance", who]);
	b["free"].as_str().unwrap().parse::<u128>().unwrap() + b["held"].as_str().unwrap().parse::<u128>().unwrap()
}

/// The fees a command's report says it paid.
fn fees(report: &Value) -> u128 {
	report["fees_paid"].as_str().map_or(0, |f| f.parse().unwrap())
}

/// Polls `mlc bounty status` until the bounty is in `phase`.
fn wait_phase(node: &Node, id: &str, phase: &str) -> Value {
	let deadline = Instant::now() + Duration::from_secs(240);
	loop {
		let status = node.json(&["bounty", "status", id]);
		if status["phase"] == phase {
			return status;
		}
		assert!(Instant::now() < deadline, "bounty {id} never reached {phase}: {status}");
		std::thread::sleep(Duration::from_millis(500));
	}
}

/// The whole bounty story through `mlc` only: Ferdie posts the digits test set; Bob submits
/// the digits model, Charlie a weaker one, Dave one he never reveals; the node's off-chain
/// worker scores; Bob is paid and his model listed, Charlie's stake comes back, Dave's is lost.
fn a_bounty_through_mlc_pays_the_best_model_and_lists_it(node: &Node, dir: &Path) {
	let state = dir.join("state");
	let state = state.to_str().unwrap();
	let good = manifest_dir().join("../primitives/nn/fixtures/digits_mlp.bin");
	let mut weak = Model::decode_blob(&std::fs::read(&good).unwrap(), &modelchain_nn::Bounds::default()).unwrap();
	let last = weak.layers.iter_mut().rev().find_map(|l| match l {
		modelchain_nn::Layer::Dense(d) => Some(d),
		_ => None,
	});
	last.unwrap().weights.iter_mut().for_each(|w| *w = 0);
	let weak_path = dir.join("weak.bin");
	std::fs::write(&weak_path, weak.encode_blob()).unwrap();
	let (good, weak) = (good.to_str().unwrap(), weak_path.to_str().unwrap());
	let people = ["//Ferdie", "//Bob", "//Charlie", "//Dave"];
	let before = people.map(|p| total(node, p));
	let mut paid = [0u128; 4];

	// A model that does not fit is refused before any stake is held.
	let created = node.json(&[
		"--suri",
		"//Ferdie",
		"bounty",
		"create",
		"--data",
		fixture("digits_test_x.npy").to_str().unwrap(),
		"--labels",
		fixture("digits_test_y.npy").to_str().unwrap(),
		"--input-scale",
		"0.0625",
		"--input-zero-point",
		"-128",
		"--chunks",
		"4",
		"--test-chunks",
		"2",
		"--reward",
		"100",
		"--trainer-stake",
		"10",
		"--max-model-cost",
		"10000",
		"--min-score",
		"500000",
		"--period",
		"5",
		"--metadata",
		"digits through mlc",
		"--state",
		state,
	]);
	paid[0] += fees(&created);
	let id = created["bounty"].as_u64().unwrap().to_string();
	let evaluation_fee: u128 = created["evaluation_fee"].as_str().unwrap().parse().unwrap();
	assert!(evaluation_fee > 0, "the least fee the chain accepts");
	assert_eq!(created["revealed"].as_array().unwrap().len(), 2, "both training chunks published: {created}");

	wait_phase(node, &id, "Submission");
	let mut subs = Vec::new();
	for (i, (who, blob)) in [("//Bob", good), ("//Charlie", weak), ("//Dave", good)].into_iter().enumerate() {
		let r = node.json(&["--suri", who, "bounty", "submit", &id, "--model", blob, "--state", state]);
		paid[i + 1] += fees(&r);
		subs.push(r["submission"].as_u64().unwrap());
	}
	assert_eq!(subs, vec![0, 1, 2]);
	let misfit = dir.join("misfit.bin");
	let mut wide = Model::decode_blob(&std::fs::read(good).unwrap(), &modelchain_nn::Bounds::default()).unwrap();
	wide.input.shape = vec![65];
	if let Some(modelchain_nn::Layer::Dense(d)) = wide.layers.first_mut() {
		d.in_features = 65;
		d.weights = vec![1; 65 * d.out_features as usize];
	}
	std::fs::write(&misfit, wide.encode_blob()).unwrap();
	fails(
		node.mlc(&["--suri", "//Eve", "bounty", "submit", &id, "--model", misfit.to_str().unwrap(), "--state", state]),
		"does not fit",
	);

	wait_phase(node, &id, "Reveal");
	paid[0] += fees(&node.json(&["--suri", "//Ferdie", "bounty", "reveal", &id, "--state", state]));
	paid[1] += fees(&node.json(&["--suri", "//Bob", "bounty", "reveal", &id, "--list-fee", "0.01", "--state", state]));
	paid[2] += fees(&node.json(&["--suri", "//Charlie", "bounty", "reveal", &id, "--state", state]));

	let scored = wait_phase(node, &id, "Scored");
	// Charlie doubts Bob's score: the chain computes it (with the block's spare weight, at
	// once), agrees with the quorum, and keeps his deposit.
	let challenged = node.json(&["--suri", "//Charlie", "bounty", "challenge", &id, "0"]);
	paid[2] += fees(&challenged);
	assert_eq!(
		(challenged["upheld"].clone(), challenged["verified"].clone()),
		(json!(false), challenged["quorum"].clone())
	);
	let deposit: u128 = challenged["deposit_lost"].as_str().unwrap().parse().unwrap();
	assert_eq!(deposit, 10 * MDC, "{challenged}");
	paid[2] += deposit;
	// Nothing is left for anyone to verify, and the challenge period is still running: refused
	// by name, nothing charged beyond the fee of the refused call.
	for (args, error) in [
		(["bounty", "verify", &id, "0", "0"].as_slice(), "MlBounties::NotVerifying"),
		(["bounty", "finalize", &id].as_slice(), "MlBounties::DeadlineNotReached"),
	] {
		let eve_before = total(node, "//Eve");
		let fee = refused(node, &[&["--suri", "//Eve"][..], args].concat(), error);
		assert_eq!(total(node, "//Eve"), eve_before - fee, "a refused call costs exactly its fee");
	}
	let entries = scored["submissions"].as_array().unwrap();
	let rank = |s: u64| entries.iter().find(|e| e["submission"] == s).unwrap()["rank"].clone();
	// Ranks are the chain's (0 is the best); Charlie's model is below the minimum score.
	assert_eq!((rank(0), rank(1), rank(2)), (json!(0), Value::Null, Value::Null), "{scored}");
	assert_eq!(entries[2]["revealed"], false);
	let text = node.mlc(&["bounty", "status", &id]);
	assert!(
		text.ok && text.stdout.contains("(quorum)"),
		"the leaderboard as a table:
{}",
		text.stdout
	);

	wait_phase(node, &id, "Finalized");
	let after = people.map(|p| total(node, p));
	let reward = 100 * MDC;
	let stake = 10 * MDC;
	assert_eq!(after[1], before[1] - paid[1] + reward, "Bob: the reward; his stake is back");
	assert_eq!(after[2], before[2] - paid[2], "Charlie: his stake is back, his challenge deposit not");
	assert_eq!(after[3], before[3] - paid[3] - stake, "Dave never revealed: his stake is lost");
	assert_eq!(after[0], before[0] - paid[0] - reward - evaluation_fee, "Ferdie: the reward and the evaluator's fee");
	let listed = node.json(&["model", "list"]);
	let bobs: Vec<&Value> = listed
		.as_array()
		.unwrap()
		.iter()
		.filter(|m| m["owner"] == "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty")
		.collect();
	assert_eq!(bobs.len(), 1, "the winner is listed for predictions: {listed}");

	// The winner answers held-out samples exactly as the engine does natively.
	let winner = bobs[0]["id"].as_u64().unwrap().to_string();
	let model = Model::decode_blob(&std::fs::read(good).unwrap(), &modelchain_nn::Bounds::default()).unwrap();
	let test = data::read_npy_table(fixture("digits_test_x.npy")).unwrap();
	for sample in [5usize, 200] {
		let values = test.row(sample).iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",");
		let Output::Class(expected) = model.run(&quantize::quantize_input(&model.input, test.row(sample))).unwrap()
		else {
			panic!("digits is a classifier")
		};
		let answer = node.json(&["--suri", "//Eve", "predict", "--model", &winner, "--input", &values]);
		assert_eq!(answer["class"].as_u64(), Some(u64::from(expected)), "{answer}");
	}
}

/// The regression bounty of the Using-ML-in-blockchain example, as the README walks through it:
/// Alice posts next-year sunspot numbers (the previous 12 years in, scaled by 1/100, scored by
/// mean absolute error); Bob quantizes the PyTorch LSTM forecaster with the bounty's input
/// quantization and submits it, Charlie submits it with its head zeroed (a constant forecast).
/// The chain's score is the engine's MAE over the test chunks it drew; Bob wins and his
/// listed model forecasts like the engine.
fn a_forecasting_bounty_scores_the_lstm_by_its_error(node: &Node, dir: &Path) {
	let state = dir.join("forecast-state");
	let state = state.to_str().unwrap();
	let lstm_path = dir.join("sunspots.bin");
	let quantized = node.json(&[
		"model",
		"quantize",
		"--onnx",
		fixture("sunspots_lstm.onnx").to_str().unwrap(),
		"--calibration",
		fixture("sunspots_calib_x.npy").to_str().unwrap(),
		"--input-scale",
		"0.01",
		"--input-zero-point",
		"-128",
		"--out",
		lstm_path.to_str().unwrap(),
		"--test",
		fixture("sunspots_test_x.npy").to_str().unwrap(),
		"--labels",
		fixture("sunspots_test_y.npy").to_str().unwrap(),
	]);
	let (float_mae, quant_mae) =
		(quantized["float_mae"].as_f64().unwrap(), quantized["quantized_mae"].as_f64().unwrap());
	assert!(quant_mae <= float_mae * 1.05 && float_mae < 0.2, "{quantized}");
	let lstm = Model::decode_blob(&std::fs::read(&lstm_path).unwrap(), &modelchain_nn::Bounds::default()).unwrap();
	assert!(matches!(lstm.layers[0], modelchain_nn::Layer::Lstm(_)), "{:?}", lstm.layers[0]);
	let mut constant = lstm.clone();
	if let Some(modelchain_nn::Layer::Dense(d)) = constant.layers.last_mut() {
		d.weights.iter_mut().for_each(|w| *w = 0);
	}
	let constant_path = dir.join("constant.bin");
	std::fs::write(&constant_path, constant.encode_blob()).unwrap();

	let created = node.json(&[
		"--suri",
		"//Alice",
		"bounty",
		"create",
		"--data",
		fixture("sunspots_test_x.npy").to_str().unwrap(),
		"--labels",
		fixture("sunspots_test_y.npy").to_str().unwrap(),
		"--metric",
		"mae",
		"--input-scale",
		"0.01",
		"--input-zero-point",
		"-128",
		"--no-shuffle",
		"--chunks",
		"4",
		"--test-chunks",
		"2",
		"--reward",
		"50",
		"--trainer-stake",
		"10",
		"--max-model-cost",
		"100000",
		"--period",
		"5",
		"--metadata",
		"sunspots next year, MAE",
		"--state",
		state,
	]);
	let id = created["bounty"].as_u64().unwrap().to_string();
	let published: Vec<u64> = created["revealed"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
	let test_chunks: Vec<u64> = (0..4).filter(|c| !published.contains(c)).collect();
	assert_eq!(test_chunks.len(), 2, "{created}");

	wait_phase(node, &id, "Submission");
	for (who, blob) in [("//Bob", &lstm_path), ("//Charlie", &constant_path)] {
		node.json(&["--suri", who, "bounty", "submit", &id, "--model", blob.to_str().unwrap(), "--state", state]);
	}
	wait_phase(node, &id, "Reveal");
	node.json(&["--suri", "//Alice", "bounty", "reveal", &id, "--state", state]);
	node.json(&["--suri", "//Bob", "bounty", "reveal", &id, "--list-fee", "0.01", "--state", state]);
	node.json(&["--suri", "//Charlie", "bounty", "reveal", &id, "--state", state]);
	let scored = wait_phase(node, &id, "Scored");

	// The test rows (22 a chunk, in file order), quantized as `mlc bounty create` does.
	let x = data::read_npy_table(fixture("sunspots_test_x.npy")).unwrap();
	let (_, y) = data::read_npy_file(fixture("sunspots_test_y.npy")).unwrap();
	let rows: Vec<usize> =
		test_chunks.iter().flat_map(|&c| c as usize * 22..(c as usize * 22 + 22).min(x.rows)).collect();
	let test = modelchain_nn::Dataset {
		input_len: 12,
		inputs: rows
			.iter()
			.flat_map(|&r| x.row(r).iter().map(|&v| ((v / 0.01f32).round() - 128.0).clamp(-128.0, 127.0) as i8))
			.collect(),
		labels: modelchain_nn::Labels::Regression {
			outputs: 1,
			values: rows.iter().map(|&r| quantize::to_fixed(y[r])).collect(),
		},
	};
	let entries = scored["submissions"].as_array().unwrap();
	for (submission, model) in [(0u64, &lstm), (1, &constant)] {
		let entry = entries.iter().find(|e| e["submission"] == submission).unwrap();
		let expected = modelchain_nn::Metric::MeanAbsoluteError.evaluate(model, &test).unwrap();
		assert_eq!(entry["score"], format!("{expected} (quorum)"), "submission {submission}: {scored}");
	}
	let rank = |s: u64| entries.iter().find(|e| e["submission"] == s).unwrap()["rank"].clone();
	assert_eq!((rank(0), rank(1)), (json!(0), json!(1)), "the forecaster beats the constant: {scored}");

	wait_phase(node, &id, "Finalized");
	let listed = node.json(&["model", "list"]);
	let winner = listed
		.as_array()
		.unwrap()
		.iter()
		.filter(|m| m["owner"] == "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty")
		.map(|m| m["id"].as_u64().unwrap())
		.max()
		.unwrap()
		.to_string();
	let window = x.row(0).iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",");
	let Output::Regression(expected) = lstm.run(&quantize::quantize_input(&lstm.input, x.row(0))).unwrap() else {
		panic!("a forecaster answers values")
	};
	let answer = node.json(&["--suri", "//Eve", "predict", "--model", &winner, "--input", &window]);
	assert_eq!(answer["fixed_point"], json!(expected), "{answer}");
}

/// Dave's worker lifecycle on the fast-periods chain: bond, key, register, chill, unbond and
/// withdraw after the period, each refusal by the chain's error name, every MDC accounted for.
fn a_worker_bonds_registers_unbonds_and_withdraws(node: &Node) {
	let dave = ["--suri", "//Dave"];
	let with = |args: &[&'static str]| -> Vec<&'static str> { [&dave[..], args].concat() };
	let before = node.free("//Dave");
	let mut paid = 0u128;
	let mut run = |args: &[&'static str]| paid += fees(&node.json(&with(args)));
	run(&["worker", "bond", "1000"]);
	run(&["worker", "set-key", "//Dave//worker"]);
	run(&["worker", "register"]);
	let status = node.json(&with(&["worker", "status"]));
	assert_eq!(status["registered"], true, "{status}");
	assert_eq!(status["active"], (1_000 * MDC).to_string());
	run(&["worker", "bond", "10"]);
	run(&["worker", "unbond", "10"]);
	let status = node.json(&with(&["worker", "status"]));
	assert_eq!(status["active"], (1_000 * MDC).to_string());
	let chunks = status["unbonding"].as_array().unwrap();
	assert_eq!(chunks.len(), 1);
	assert_eq!(chunks[0]["value"], (10 * MDC).to_string());
	// Nothing to withdraw before the unbonding period, and a registered worker keeps its
	// minimum bond: the chain says so by name, and nothing changes.
	paid += refused(node, &with(&["worker", "withdraw"]), "MlStaking::NothingToWithdraw");
	paid += refused(node, &with(&["worker", "unbond", "1000"]), "MlStaking::ChillBeforeUnbonding");
	let mut run = |args: &[&'static str]| paid += fees(&node.json(&with(args)));
	run(&["worker", "chill"]);
	run(&["worker", "unbond", "1000"]);
	let status = node.json(&with(&["worker", "status"]));
	assert_eq!((status["registered"].clone(), status["active"].clone()), (json!(false), json!("0")), "{status}");
	let unlock =
		status["unbonding"].as_array().unwrap().iter().map(|c| c["unlock_at"].as_u64().unwrap()).max().unwrap();
	let deadline = Instant::now() + Duration::from_secs(600);
	while node.json(&with(&["worker", "status"]))["block"].as_u64().unwrap() < unlock {
		assert!(Instant::now() < deadline, "block #{unlock} never came:\n{}", node.log_tail());
		std::thread::sleep(Duration::from_secs(3));
	}
	run(&["worker", "withdraw"]);
	let status = node.json(&with(&["worker", "status"]));
	assert_eq!(status["unbonding"], json!([]), "{status}");
	assert_eq!(node.free("//Dave"), before - paid, "all 1,010 MDC are back; only the fees are gone");
}
