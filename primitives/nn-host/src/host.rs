//! The node's side: the extension that holds the natively decoded models of one off-chain
//! worker run.

extern crate std;

use alloc::vec::Vec;
use std::collections::HashMap;

use modelchain_nn::{Bounds, Dataset, DatasetBounds, Error, MetricAccumulator, Model, Output};

use crate::BlobHash;

/// The log target of the native engine's summary line.
pub const LOG_TARGET: &str = "modelchain-nn";

/// Most blob bytes one off-chain worker run keeps decoded natively. Past it `load` declines
/// and further models run in the runtime: what the runtime's budget lets a run load is bounded
/// by cost, not by memory, and this keeps the node's memory bounded too.
pub const MAX_CACHED_BYTES: usize = 64 << 20;

/// The native engine of one off-chain worker run: the models it loaded, by blob hash, and
/// what it ran (logged when the run ends).
#[derive(Debug)]
pub struct NativeNn {
	models: HashMap<BlobHash, Model>,
	max_cached_bytes: usize,
	cached_bytes: usize,
	runs: u64,
	chunks: u64,
	samples: u64,
	/// Cost units of the work done (a model's cost per prediction or sample), and the time it
	/// took: the summary line's throughput, comparable with the engine's own benchmark.
	cost: u64,
	busy: std::time::Duration,
}

sp_externalities::decl_extension! {
	/// Native inference for off-chain workers. The node registers one for each off-chain worker
	/// run (`sc_offchain::OffchainWorkerOptions::custom_extensions`) and nowhere else, so block
	/// execution never sees it and always runs the runtime's engine.
	pub struct NativeNnExt(NativeNn);
}

impl NativeNnExt {
	/// A fresh engine with nothing loaded, keeping at most [`MAX_CACHED_BYTES`].
	pub fn new() -> Self {
		Self::with_max_cached_bytes(MAX_CACHED_BYTES)
	}

	/// A fresh engine keeping at most `max` blob bytes decoded (tests use small limits).
	pub fn with_max_cached_bytes(max: usize) -> Self {
		Self(NativeNn {
			models: HashMap::new(),
			max_cached_bytes: max,
			cached_bytes: 0,
			runs: 0,
			chunks: 0,
			samples: 0,
			cost: 0,
			busy: std::time::Duration::ZERO,
		})
	}
}

impl Default for NativeNnExt {
	fn default() -> Self {
		Self::new()
	}
}

/// The extensions a node registers for each off-chain worker run
/// (`sc_offchain::OffchainWorkerOptions::custom_extensions`).
pub fn offchain_extensions() -> Vec<alloc::boxed::Box<dyn sp_externalities::Extension>> {
	alloc::vec![alloc::boxed::Box::new(NativeNnExt::new())]
}

impl NativeNn {
	/// See `nn_host::load`.
	pub fn load(&mut self, hash: BlobHash, blob: &[u8], bounds: &Bounds) -> Option<Result<(), Error>> {
		if self.models.contains_key(&hash) {
			return Some(Ok(()));
		}
		let cached = self.cached_bytes.checked_add(blob.len()).filter(|&n| n <= self.max_cached_bytes)?;
		Some(Model::decode_blob(blob, bounds).map(|model| {
			self.models.insert(hash, model);
			self.cached_bytes = cached;
		}))
	}

	/// See `nn_host::run`.
	pub fn run(&mut self, hash: BlobHash, input: &[u8]) -> Option<Result<Output, Error>> {
		let model = self.models.get(&hash)?;
		let input: Vec<i8> = input.iter().map(|&b| b as i8).collect();
		self.runs = self.runs.saturating_add(1);
		let started = std::time::Instant::now();
		let output = model.run(&input);
		self.busy = self.busy.saturating_add(started.elapsed());
		self.cost = self.cost.saturating_add(model.cost());
		Some(output)
	}

	/// See `nn_host::add_chunk`.
	pub fn add_chunk(
		&mut self,
		hash: BlobHash,
		dataset: &[u8],
		bounds: &DatasetBounds,
		mut acc: MetricAccumulator,
	) -> Option<Result<MetricAccumulator, Error>> {
		let model = self.models.get(&hash)?;
		self.chunks = self.chunks.saturating_add(1);
		let result = Dataset::decode_blob(dataset, bounds).and_then(|chunk| {
			let samples = u64::from(chunk.samples()?);
			self.samples = self.samples.saturating_add(samples);
			let started = std::time::Instant::now();
			let added = acc.add_chunk(model, &chunk);
			self.busy = self.busy.saturating_add(started.elapsed());
			self.cost = self.cost.saturating_add(model.cost().saturating_mul(samples));
			added
		});
		Some(result.map(|()| acc))
	}

	/// Models loaded, predictions run and test chunks scored so far.
	pub fn counts(&self) -> (usize, u64, u64) {
		(self.models.len(), self.runs, self.chunks)
	}
}

impl Drop for NativeNn {
	fn drop(&mut self) {
		if self.runs > 0 || self.chunks > 0 {
			log::info!(
				target: LOG_TARGET,
				"off-chain inference ran natively ({} kernel): {} predictions, {} test chunks ({} samples), {} models; \
				 {} cost units in {} µs",
				modelchain_nn::dot::kernel(),
				self.runs,
				self.chunks,
				self.samples,
				self.models.len(),
				self.cost,
				self.busy.as_micros(),
			);
		}
	}
}
