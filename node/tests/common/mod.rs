//! A real `modelchain-node --dev --tmp` process on free loopback ports, and a small typed RPC
//! client built from the runtime's own types (no metadata codegen), shared by the end-to-end
//! suites. Each suite starts one node and runs all its checks against it.
#![allow(dead_code)]

pub mod bounty;

use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{TcpListener, TcpStream},
	path::PathBuf,
	process::{Child, Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use codec::{Decode, Encode};
use modelchain_runtime::{
	AccountId, Balance, Hash, Nonce, RuntimeCall, RuntimeEvent, SignedPayload, TxExtension, UncheckedExtrinsic, VERSION,
};
use polkadot_sdk::{
	frame_system,
	sp_core::{sr25519, Pair as _},
	sp_keyring::Sr25519Keyring,
	sp_runtime::{generic::Era, DispatchError, MultiAddress, MultiSignature},
};
use serde_json::{json, Value};

pub type Runtime = modelchain_runtime::Runtime;
pub type EventRecord = frame_system::EventRecord<RuntimeEvent, Hash>;
pub type AccountInfo = frame_system::AccountInfo<Nonce, polkadot_sdk::pallet_balances::AccountData<Balance>>;

/// Binds port 0 on loopback and returns what the OS chose.
pub fn free_port() -> u16 {
	free_ports::<1>()[0]
}

/// `N` distinct free loopback ports: all bound at once, so none is handed out twice.
pub fn free_ports<const N: usize>() -> [u16; N] {
	let listeners: [TcpListener; N] = core::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
	listeners.map(|l| l.local_addr().unwrap().port())
}

/// A running dev node; killed when dropped.
pub struct DevNode {
	child: Child,
	pub rpc_port: u16,
	log: Arc<Mutex<Vec<String>>>,
}

impl DevNode {
	pub fn binary() -> PathBuf {
		PathBuf::from(env!("CARGO_BIN_EXE_modelchain-node"))
	}

	/// Starts `modelchain-node --dev --tmp` listening only on loopback.
	pub fn start(extra_args: &[&str]) -> Self {
		let [rpc_port, p2p_port] = free_ports();
		Self::start_chain(&[&["--dev", "--tmp"], extra_args].concat(), rpc_port, p2p_port)
	}

	/// Starts `modelchain-node` with `args` (the chain, the account, keys…), its RPC on
	/// `rpc_port` and its peer-to-peer port `p2p_port` on loopback, no Prometheus, telemetry or
	/// mDNS.
	pub fn start_chain(args: &[&str], rpc_port: u16, p2p_port: u16) -> Self {
		let mut child = Command::new(Self::binary())
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(args)
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.expect("modelchain-node starts");
		let log = Arc::new(Mutex::new(Vec::new()));
		let stderr = child.stderr.take().unwrap();
		let sink = log.clone();
		std::thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				sink.lock().unwrap().push(line);
			}
		});
		DevNode { child, rpc_port, log }
	}

	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's log so far, for failure messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let log = self.log.lock().unwrap();
		log.iter().rev().take(lines).rev().cloned().collect::<Vec<_>>().join("\n")
	}

	/// The log lines so far that contain `needle`.
	pub fn log_lines_with(&self, needle: &str) -> Vec<String> {
		self.log.lock().unwrap().iter().filter(|l| l.contains(needle)).cloned().collect()
	}

	/// An RPC client, once the node's RPC server answers.
	pub fn rpc(&mut self) -> Rpc {
		let rpc = Rpc { port: self.rpc_port };
		let deadline = Instant::now() + Duration::from_secs(120);
		while let Err(e) = rpc.try_call("system_health", json!([])) {
			if let Ok(Some(status)) = self.child.try_wait() {
				panic!("modelchain-node exited with {status}:\n{}", self.log_tail(40));
			}
			assert!(
				Instant::now() < deadline,
				"node RPC on port {} never came up ({e}):\n{}",
				self.rpc_port,
				self.log_tail(40)
			);
			std::thread::sleep(Duration::from_millis(250));
		}
		rpc
	}
}

impl DevNode {
	/// Kills the node with SIGKILL (`kill -9`: no shutdown, no flush) and reaps it.
	pub fn kill(&mut self) {
		self.child.kill().expect("SIGKILL delivered");
		self.child.wait().expect("the killed node is reaped");
	}
}

impl Drop for DevNode {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

pub fn hex_of(bytes: &[u8]) -> String {
	format!("0x{}", hex_encode(bytes))
}

fn hex_encode(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(s: &str) -> Vec<u8> {
	let s = s.trim_start_matches("0x");
	(0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

pub fn hash_from_hex(s: &str) -> Hash {
	Hash::from_slice(&from_hex(s))
}

/// JSON-RPC over plain HTTP POST (the node serves HTTP and WebSocket on one port), typed
/// with the runtime's own storage and event types. Synchronous: tests read like a script.
pub struct Rpc {
	pub port: u16,
}

impl Rpc {
	/// One request; an `Err` carries a transport or JSON-RPC error message.
	pub fn try_call(&self, method: &str, params: Value) -> Result<Value, String> {
		let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
		let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
		stream.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
		write!(
			stream,
			"POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
			self.port,
			body.len(),
			body
		)
		.map_err(|e| e.to_string())?;
		let mut response = String::new();
		stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
		let (_, payload) = response.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
		let reply: Value = serde_json::from_str(payload).map_err(|e| format!("{e}: {payload}"))?;
		match reply.get("error") {
			Some(err) => Err(err.to_string()),
			None => Ok(reply["result"].clone()),
		}
	}

	/// One request that must succeed, decoded into `T`.
	pub fn call<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> T {
		let result = self.try_call(method, params).unwrap_or_else(|e| panic!("RPC {method}: {e}"));
		serde_json::from_value(result).unwrap_or_else(|e| panic!("RPC {method} result: {e}"))
	}

	pub fn block_hash(&self, number: u32) -> Hash {
		let h: String = self.call("chain_getBlockHash", json!([number]));
		hash_from_hex(&h)
	}

	pub fn header(&self, hash: Option<Hash>) -> Value {
		self.call("chain_getHeader", json!([hash.map(|h| hex_of(h.as_bytes()))]))
	}

	pub fn best_number(&self) -> u32 {
		header_number(&self.header(None))
	}

	pub fn finalized_number(&self) -> u32 {
		let h: String = self.call("chain_getFinalizedHead", json!([]));
		header_number(&self.header(Some(hash_from_hex(&h))))
	}

	pub fn storage(&self, key: Vec<u8>, at: Hash) -> Option<Vec<u8>> {
		let v: Option<String> = self.call("state_getStorage", json!([hex_of(&key), hex_of(at.as_bytes())]));
		v.map(|s| from_hex(&s))
	}

	pub fn account(&self, who: &AccountId, at: Hash) -> AccountInfo {
		let key = frame_system::Account::<Runtime>::hashed_key_for(who);
		match self.storage(key, at) {
			Some(bytes) => AccountInfo::decode(&mut &bytes[..]).expect("AccountInfo decodes"),
			None => AccountInfo::default(),
		}
	}

	pub fn events(&self, at: Hash) -> Vec<EventRecord> {
		// `System::Events` is private; its key is the pallet and item name hashes.
		let key = polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"Events").to_vec();
		match self.storage(key, at) {
			Some(bytes) => Vec::<EventRecord>::decode(&mut &bytes[..]).expect("events decode"),
			None => Vec::new(),
		}
	}

	pub fn next_nonce(&self, who: &AccountId) -> Nonce {
		self.call("system_accountNextIndex", json!([who.to_string()]))
	}

	/// Waits until the best block is at least `number`.
	pub fn wait_for_best(&self, number: u32, timeout: Duration) -> u32 {
		let deadline = Instant::now() + timeout;
		loop {
			let best = self.best_number();
			if best >= number {
				return best;
			}
			assert!(Instant::now() < deadline, "best block stuck at {best}, wanted {number}");
			std::thread::sleep(Duration::from_millis(500));
		}
	}

	/// Signs `call` as `signer` (immortal era, no tip) and submits it; returns the block
	/// number the submission happened at, to search for its events from there.
	pub fn submit(&self, signer: Sr25519Keyring, call: RuntimeCall) -> u32 {
		self.submit_tracked(signer, call).0
	}

	/// [`Rpc::submit`], also returning the transaction's hash, to look up its outcome with
	/// [`Rpc::outcome`].
	pub fn submit_tracked(&self, signer: Sr25519Keyring, call: RuntimeCall) -> (u32, Hash) {
		let xt = sign(signer, call, self.next_nonce(&signer.to_account_id()), self.block_hash(0));
		let start = self.best_number();
		let hash = self.try_submit(&xt).unwrap_or_else(|e| panic!("the pool refused the transaction: {e}"));
		(start, hash)
	}

	/// The first block at or after `from` that includes transaction `tx` (waiting up to
	/// `timeout`), its events, and what the transaction's dispatch returned: a failed call is
	/// reported with its error rather than as a missing event.
	pub fn outcome(
		&self,
		from: u32,
		tx: Hash,
		timeout: Duration,
	) -> (Hash, Vec<EventRecord>, Result<(), DispatchError>) {
		let deadline = Instant::now() + timeout;
		let mut next = from.max(1);
		loop {
			while next <= self.best_number() {
				let block = self.block_view(next);
				if let Some(index) = block.extrinsic_hashes.iter().position(|h| *h == tx) {
					let failed = block.events.iter().find_map(|r| match &r.event {
						RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. })
							if BlockView::extrinsic_of(r) == Some(index) =>
						{
							Some(*dispatch_error)
						}
						_ => None,
					});
					return (block.hash, block.events, failed.map_or(Ok(()), Err));
				}
				next += 1;
			}
			assert!(Instant::now() < deadline, "transaction {tx:?} not in any block from #{from}");
			std::thread::sleep(Duration::from_millis(500));
		}
	}

	/// [`Rpc::submit`] signed by any sr25519 key.
	pub fn submit_with(&self, pair: &sr25519::Pair, call: RuntimeCall) -> u32 {
		let from = AccountId::from(pair.public());
		let xt = sign_with(pair, call, self.next_nonce(&from), self.block_hash(0));
		let start = self.best_number();
		let _tx_hash: String = self.call("author_submitExtrinsic", json!([hex_of(&xt.encode())]));
		start
	}

	/// Submits an encoded extrinsic; `Ok` with its hash, `Err` with the pool's reason.
	pub fn try_submit(&self, xt: &UncheckedExtrinsic) -> Result<Hash, String> {
		let hash = self.try_call("author_submitExtrinsic", json!([hex_of(&xt.encode())]))?;
		Ok(hash_from_hex(hash.as_str().ok_or("no hash")?))
	}

	/// Block `number` of the best chain, as a measurement reads it.
	pub fn block_view(&self, number: u32) -> BlockView {
		let hash = self.block_hash(number);
		let block: Value = self.call("chain_getBlock", json!([hex_of(hash.as_bytes())]));
		let raw: Vec<Vec<u8>> = block["block"]["extrinsics"]
			.as_array()
			.expect("a block has extrinsics")
			.iter()
			.map(|x| from_hex(x.as_str().unwrap()))
			.collect();
		let key = polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"BlockWeight").to_vec();
		let weight = Decode::decode(&mut &self.storage(key, hash).expect("block weight set")[..]).unwrap();
		BlockView {
			number,
			hash,
			timestamp_ms: timestamp_at(self, hash),
			extrinsic_hashes: raw.iter().map(|x| polkadot_sdk::sp_io::hashing::blake2_256(x).into()).collect(),
			length: raw.iter().map(Vec::len).sum(),
			events: self.events(hash),
			weight,
		}
	}

	/// The whole state at block `at` (every top-level key and its value), read in pages.
	pub fn state_at(&self, at: Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
		const PAGE: usize = 1000;
		let at_hex = hex_of(at.as_bytes());
		let mut pairs = Vec::new();
		let mut start: Option<String> = None;
		loop {
			let keys: Vec<String> = self.call("state_getKeysPaged", json!(["0x", PAGE, start, at_hex]));
			if keys.is_empty() {
				return pairs;
			}
			let sets: Vec<Value> = self.call("state_queryStorageAt", json!([keys, at_hex]));
			for change in sets.iter().flat_map(|set| set["changes"].as_array().cloned().unwrap_or_default()) {
				if let (Some(k), Some(v)) = (change[0].as_str(), change[1].as_str()) {
					pairs.push((from_hex(k), from_hex(v)));
				}
			}
			if keys.len() < PAGE {
				return pairs;
			}
			start = keys.last().cloned();
		}
	}

	/// Finds the first block at or after `from` whose events satisfy `pred`, waiting for new
	/// blocks up to `timeout`. Returns the block hash and its events.
	pub fn find_block_with<F: Fn(&[EventRecord]) -> bool>(
		&self,
		from: u32,
		timeout: Duration,
		pred: F,
	) -> (Hash, Vec<EventRecord>) {
		let deadline = Instant::now() + timeout;
		let mut next = from.max(1);
		loop {
			while next <= self.best_number() {
				let hash = self.block_hash(next);
				let events = self.events(hash);
				if pred(&events) {
					return (hash, events);
				}
				next += 1;
			}
			assert!(Instant::now() < deadline, "no block from #{from} had the expected events");
			std::thread::sleep(Duration::from_millis(500));
		}
	}
}

/// A dispatch error as a user reads it: a ModelChain pallet's error by name (the chain's events
/// carry only indices), anything else as it decodes.
pub fn describe(error: DispatchError) -> String {
	use modelchain_runtime::{MlBounties, MlPredictions, MlStaking};
	use polkadot_sdk::frame_support::traits::PalletInfoAccess;
	fn named<E: Decode + core::fmt::Debug>(pallet: &str, bytes: &[u8]) -> Option<String> {
		E::decode(&mut &bytes[..]).ok().map(|e| format!("{pallet}::{e:?}"))
	}
	let DispatchError::Module(m) = error else { return format!("{error:?}") };
	let name = match m.index as usize {
		i if i == MlBounties::index() => named::<pallet_ml_bounties::Error<Runtime>>("MlBounties", &m.error),
		i if i == MlPredictions::index() => named::<pallet_ml_predictions::Error<Runtime>>("MlPredictions", &m.error),
		i if i == MlStaking::index() => named::<pallet_ml_staking::Error<Runtime>>("MlStaking", &m.error),
		_ => None,
	};
	name.unwrap_or_else(|| format!("{error:?}"))
}

pub fn header_number(header: &Value) -> u32 {
	let n = header["number"].as_str().expect("header has a number");
	u32::from_str_radix(n.trim_start_matches("0x"), 16).unwrap()
}

pub fn parent_hash(header: &Value) -> Hash {
	hash_from_hex(header["parentHash"].as_str().unwrap())
}

/// The transaction extensions a wallet attaches: immortal, no tip, metadata hash disabled.
pub fn tx_extension(nonce: Nonce) -> TxExtension {
	modelchain_runtime::tx_extension(nonce, Era::Immortal)
}

/// A signed extrinsic, built exactly as the runtime will check it.
pub fn sign(signer: Sr25519Keyring, call: RuntimeCall, nonce: Nonce, genesis: Hash) -> UncheckedExtrinsic {
	sign_with(&signer.pair(), call, nonce, genesis)
}

/// [`sign`] with any sr25519 key (accounts derived for a test, not only the well-known ones).
pub fn sign_with(pair: &sr25519::Pair, call: RuntimeCall, nonce: Nonce, genesis: Hash) -> UncheckedExtrinsic {
	let ext = tx_extension(nonce);
	let implicit =
		((), VERSION.spec_version, VERSION.transaction_version, genesis, genesis, (), (), (), (), (), None, ());
	let payload = SignedPayload::from_raw(call.clone(), ext.clone(), implicit);
	let signature = payload.using_encoded(|bytes| pair.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(AccountId::from(pair.public())),
		MultiSignature::Sr25519(signature),
		ext,
	)
}

/// The block timestamp (ms) of block `hash`.
pub fn timestamp_at(rpc: &Rpc, hash: Hash) -> u64 {
	let key = polkadot_sdk::frame_support::storage::storage_prefix(b"Timestamp", b"Now").to_vec();
	u64::decode(&mut &rpc.storage(key, hash).expect("timestamp set")[..]).unwrap()
}

/// What a measurement reads of one block: its extrinsics (raw, with their hashes), its events,
/// its timestamp and the weight its transactions consumed.
pub struct BlockView {
	pub number: u32,
	pub hash: Hash,
	pub timestamp_ms: u64,
	/// Blake2-256 of each extrinsic, in block order (what `author_submitExtrinsic` returns).
	pub extrinsic_hashes: Vec<Hash>,
	/// Bytes of all extrinsics.
	pub length: usize,
	pub events: Vec<EventRecord>,
	/// `System::BlockWeight` at the end of the block, per dispatch class.
	pub weight: polkadot_sdk::frame_support::dispatch::PerDispatchClass<polkadot_sdk::frame_support::weights::Weight>,
}

impl BlockView {
	/// The index in the block of the extrinsic an event was emitted by, if any.
	pub fn extrinsic_of(record: &EventRecord) -> Option<usize> {
		match record.phase {
			frame_system::Phase::ApplyExtrinsic(i) => Some(i as usize),
			_ => None,
		}
	}
}
