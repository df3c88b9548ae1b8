//! Builds the wasm harness (`wasm-harness/`) and runs it in wasmtime with SIMD disabled,
//! as the node runs the runtime. Shared by the determinism test and the benchmark.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use codec::{Decode, Encode};
use modelchain_nn::{Error, Output};
use wasmtime::{Config, Engine, Instance, Memory, Module, Store, TypedFunc};

/// Builds the harness once per process, in its own target directory (beside the one this
/// test binary lives in) so the nested cargo never waits on the outer build's lock.
pub fn harness_wasm() -> &'static Path {
	static WASM: OnceLock<PathBuf> = OnceLock::new();
	WASM.get_or_init(|| {
		// The runtime value, not `env!`: cargo reuses a test binary built from another checkout
		// of the same tree (e.g. CI's clone) when the sources match.
		let manifest_dir = std::path::PathBuf::from(
			std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
		);
		// Other crates' tests include this file too (primitives/nn-host): the harness sits
		// beside the engine.
		let manifest_dir =
			if manifest_dir.join("wasm-harness").is_dir() { manifest_dir } else { manifest_dir.join("../nn") };
		let exe = std::env::current_exe().expect("test binary path");
		// target/<profile>/deps/<binary> -> target
		let target = exe.ancestors().nth(3).expect("target dir").join("nn-wasm-harness");
		let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
		let status = Command::new(cargo)
			.current_dir(manifest_dir.join("wasm-harness"))
			.args(["build", "--release", "--target", "wasm32v1-none", "--target-dir"])
			.arg(&target)
			.env_remove("RUSTFLAGS")
			.env_remove("CARGO_ENCODED_RUSTFLAGS")
			.env_remove("CARGO_TARGET_DIR")
			.status()
			.expect("run cargo to build the wasm harness");
		assert!(status.success(), "building the wasm harness failed");
		target.join("wasm32v1-none/release/modelchain_nn_wasm_harness.wasm")
	})
}

/// The engine configuration of the node: no SIMD (nor relaxed SIMD), deterministic
/// features only.
pub fn engine() -> Engine {
	engine_with(false)
}

/// As [`engine`], optionally counting fuel: one unit per wasm operator executed, the same
/// count on every machine (the cost-model test's measure of work).
pub fn engine_with(fuel: bool) -> Engine {
	let mut config = Config::new();
	config.consume_fuel(fuel);
	config.wasm_simd(false);
	config.wasm_relaxed_simd(false);
	config.cranelift_nan_canonicalization(true);
	config.cranelift_opt_level(wasmtime::OptLevel::Speed);
	Engine::new(&config).expect("wasmtime engine")
}

/// One instance of the harness.
pub struct Harness {
	store: Store<()>,
	memory: Memory,
	alloc: TypedFunc<u32, u32>,
	run: TypedFunc<(u32, u32, u32, u32), u64>,
	evaluate: TypedFunc<(u32, u32, u32, u32, u32), u64>,
	load: TypedFunc<(u32, u32), u32>,
	infer: TypedFunc<(u32, u32), u32>,
	infer_many: TypedFunc<(u32, u32, u32), u32>,
	gemm_ceiling: TypedFunc<u32, u32>,
	reset: TypedFunc<(), ()>,
}

/// What `nn_run` returns.
pub type RunResult = (Result<Vec<i8>, Error>, Result<Output, Error>, u64);

impl Harness {
	/// Builds (once) and instantiates the harness.
	pub fn new() -> Self {
		Self::with_engine(engine())
	}

	/// A harness that counts the wasm operators each call executes ([`Harness::fuel_of_infer`]).
	pub fn metered() -> Self {
		let mut h = Self::with_engine(engine_with(true));
		h.store.set_fuel(u64::MAX).expect("fuel enabled");
		h
	}

	fn with_engine(engine: Engine) -> Self {
		let module = Module::from_file(&engine, harness_wasm()).expect("compile harness");
		let mut store = Store::new(&engine, ());
		let instance = Instance::new(&mut store, &module, &[]).expect("instantiate harness");
		let memory = instance.get_memory(&mut store, "memory").expect("memory export");
		macro_rules! f {
			($name:literal) => {
				instance.get_typed_func(&mut store, $name).expect($name)
			};
		}
		Harness {
			alloc: f!("nn_alloc"),
			run: f!("nn_run"),
			evaluate: f!("nn_evaluate"),
			load: f!("nn_load"),
			infer: f!("nn_infer"),
			infer_many: f!("nn_infer_many"),
			gemm_ceiling: f!("nn_gemm_ceiling"),
			reset: f!("nn_reset"),
			memory,
			store,
		}
	}

	/// Copies bytes into wasm memory.
	pub fn put(&mut self, bytes: &[u8]) -> (u32, u32) {
		let ptr = self.alloc.call(&mut self.store, bytes.len() as u32).expect("nn_alloc");
		self.memory.write(&mut self.store, ptr as usize, bytes).expect("write");
		(ptr, bytes.len() as u32)
	}

	fn take(&mut self, packed: u64) -> Vec<u8> {
		let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
		let mut out = vec![0u8; len];
		self.memory.read(&self.store, ptr, &mut out).expect("read");
		out
	}

	/// `nn_run`: decode with default bounds, run, and report the last tensor, the output
	/// and the cost.
	pub fn run(&mut self, model_blob: &[u8], input: &[i8]) -> RunResult {
		let (mp, ml) = self.put(model_blob);
		let (ip, il) = self.put(&i8_bytes(input));
		let packed = self.run.call(&mut self.store, (mp, ml, ip, il)).expect("nn_run");
		let out = self.take(packed);
		self.reset();
		RunResult::decode(&mut &out[..]).expect("decode nn_run result")
	}

	/// `nn_evaluate` (metric 0 accuracy, 1 MSE, 2 MAE).
	pub fn evaluate(&mut self, model_blob: &[u8], dataset_blob: &[u8], metric: u32) -> Result<u64, Error> {
		let (mp, ml) = self.put(model_blob);
		let (dp, dl) = self.put(dataset_blob);
		let packed = self.evaluate.call(&mut self.store, (mp, ml, dp, dl, metric)).expect("nn_evaluate");
		let out = self.take(packed);
		self.reset();
		<Result<u64, Error>>::decode(&mut &out[..]).expect("decode nn_evaluate result")
	}

	/// `nn_load`; true on success.
	pub fn load(&mut self, model_blob: &[u8]) -> bool {
		let (mp, ml) = self.put(model_blob);
		self.load.call(&mut self.store, (mp, ml)).expect("nn_load") == 0
	}

	/// Copies inputs into memory once, for `infer_at`. Call it before `load`: the heap is
	/// rewound to the state right after the last `load` after every call.
	pub fn put_inputs(&mut self, inputs: &[i8]) -> (u32, u32) {
		self.put(&i8_bytes(inputs))
	}

	/// `nn_infer` on inputs already in memory.
	pub fn infer_at(&mut self, ptr: u32, len: u32) -> u32 {
		let r = self.infer.call(&mut self.store, (ptr, len)).expect("nn_infer");
		self.reset();
		r
	}

	/// `nn_gemm_ceiling`: a plain `n × n` int8 GEMM in scalar wasm (`n³` multiply-adds).
	pub fn gemm_ceiling(&mut self, n: u32) -> u32 {
		let r = self.gemm_ceiling.call(&mut self.store, n).expect("nn_gemm_ceiling");
		self.reset();
		r
	}

	/// `nn_infer_many` on `n` inputs already in memory.
	pub fn infer_many_at(&mut self, ptr: u32, len: u32, n: u32) -> u32 {
		let r = self.infer_many.call(&mut self.store, (ptr, len, n)).expect("nn_infer_many");
		self.reset();
		r
	}

	/// The wasm operators one `nn_infer` of the loaded model on inputs already in memory
	/// executes (a [`Harness::metered`] harness only).
	pub fn fuel_of_infer(&mut self, ptr: u32, len: u32) -> u64 {
		self.store.set_fuel(u64::MAX).expect("metered harness");
		self.infer.call(&mut self.store, (ptr, len)).expect("nn_infer");
		let used = u64::MAX - self.store.get_fuel().expect("metered harness");
		self.reset();
		used
	}

	fn reset(&mut self) {
		self.reset.call(&mut self.store, ()).expect("nn_reset");
	}
}

pub fn i8_bytes(x: &[i8]) -> Vec<u8> {
	x.iter().map(|&v| v as u8).collect()
}

/// Keeps `Encode` in use for callers that encode expectations.
pub fn encode<T: Encode>(t: &T) -> Vec<u8> {
	t.encode()
}
