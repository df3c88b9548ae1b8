//! Native inference for ModelChain's off-chain workers.
//!
//! Off-chain workers answer predictions and score bounties by running models, and the node runs
//! the runtime's wasm with SIMD off, at a fraction of the engine's native speed (see
//! `primitives/nn/README.md`). This crate lets the node run the same `modelchain-nn` code natively
//! for them, and only for them:
//!
//! - [`nn_host`] is a runtime interface (host functions). Each of its functions asks for the
//!   [`NativeNnExt`] extension, which the node registers for off-chain worker runs only. Without it
//!   (block import and authoring, runtime API calls, any node or tool that does not register it)
//!   they return `None`, and the caller uses the runtime's own engine.
//! - [`OffchainModel`] is what the pallets' off-chain workers hold: a model loaded natively when
//!   the node offers it, else decoded and run in the runtime.
//!
//! On-chain code never calls these: a `challenge` or `verify_score` re-executes in the runtime's
//! engine, whatever the node offers, because its result moves money. Both paths are one engine in
//! integer arithmetic and give the same bits (`tests/native_vs_wasm.rs`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use modelchain_nn::{Bounds, Dataset, DatasetBounds, Error, MetricAccumulator, Model, Output};
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead, PassPointerAndReadCopy},
	runtime_interface,
};

// The host side compiles wherever the host functions' bodies do: everywhere but the runtime's
// wasm.
#[cfg(not(substrate_runtime))]
mod host;
#[cfg(not(substrate_runtime))]
pub use host::{offchain_extensions, NativeNn, NativeNnExt, LOG_TARGET, MAX_CACHED_BYTES};

/// The key a model is kept under: its blob's hash.
pub type BlobHash = [u8; 32];

/// Host functions of the native engine, served by [`NativeNnExt`]. Every function returns
/// `None` when the extension is not registered: the caller then runs the runtime's engine.
#[runtime_interface]
pub trait NnHost {
	/// Decodes model `blob` (whose hash is `hash`) within `bounds` and keeps it, under `hash`,
	/// for [`run`](nn_host::run) and [`add_chunk`](nn_host::add_chunk) until the off-chain
	/// worker run ends. `Some(Err(_))` is the engine's decoding error; `None` means no native
	/// engine here, or its cache is full: decode the blob in the runtime.
	fn load(
		&mut self,
		hash: PassPointerAndReadCopy<BlobHash, 32>,
		blob: PassFatPointerAndRead<&[u8]>,
		bounds: PassFatPointerAndDecode<Bounds>,
	) -> AllocateAndReturnByCodec<Option<Result<(), Error>>> {
		use sp_externalities::ExternalitiesExt;
		self.extension::<NativeNnExt>().and_then(|ext| ext.load(hash, blob, &bounds))
	}

	/// Runs the loaded model `hash` on `input` (`i8` values as bytes). `None` if there is no
	/// native engine or it did not load that model.
	fn run(
		&mut self,
		hash: PassPointerAndReadCopy<BlobHash, 32>,
		input: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Option<Result<Output, Error>>> {
		use sp_externalities::ExternalitiesExt;
		self.extension::<NativeNnExt>().and_then(|ext| ext.run(hash, input))
	}

	/// Decodes test chunk `dataset` within `bounds` and adds the loaded model `hash`'s results on
	/// it to `acc` (see `MetricAccumulator::add_chunk`), returning the new totals. `None` if
	/// there is no native engine or it did not load that model.
	fn add_chunk(
		&mut self,
		hash: PassPointerAndReadCopy<BlobHash, 32>,
		dataset: PassFatPointerAndRead<&[u8]>,
		bounds: PassFatPointerAndDecode<DatasetBounds>,
		acc: PassFatPointerAndDecode<MetricAccumulator>,
	) -> AllocateAndReturnByCodec<Option<Result<MetricAccumulator, Error>>> {
		use sp_externalities::ExternalitiesExt;
		self.extension::<NativeNnExt>().and_then(|ext| ext.add_chunk(hash, dataset, &bounds, acc))
	}
}

/// A model an off-chain worker runs: natively through [`nn_host`] when the node offers it, else
/// decoded and run in the runtime. Both give the same bits.
#[derive(Debug)]
pub enum OffchainModel {
	/// Loaded by the native engine under its blob hash.
	Native(BlobHash),
	/// Decoded in the runtime.
	Runtime(Model),
}

impl OffchainModel {
	/// Loads model `blob` (hash `hash`) within `bounds`, natively if the node offers it. Fails
	/// with the engine's error if the blob does not decode, on either path.
	pub fn load(hash: BlobHash, blob: &[u8], bounds: &Bounds) -> Result<Self, Error> {
		match nn_host::load(hash, blob, *bounds) {
			Some(Ok(())) => Ok(Self::Native(hash)),
			Some(Err(e)) => Err(e),
			None => Model::decode_blob(blob, bounds).map(Self::Runtime),
		}
	}

	/// Whether the native engine runs this model.
	pub fn is_native(&self) -> bool {
		matches!(self, Self::Native(_))
	}

	/// The model's output for `input`. `None` only if the native engine no longer has the
	/// model, which cannot happen within one off-chain worker run (it keeps what it loaded):
	/// callers treat it as "not now", never as the model failing.
	pub fn run(&self, input: &[i8]) -> Option<Result<Output, Error>> {
		match self {
			Self::Runtime(model) => Some(model.run(input)),
			Self::Native(hash) => nn_host::run(*hash, &as_bytes(input)),
		}
	}

	/// Adds the model's results on test chunk `dataset` (a dataset blob, decoded within
	/// `bounds`) to `acc`, as `MetricAccumulator::add_chunk`: on an error `acc` is unchanged.
	/// `None` as for [`Self::run`].
	pub fn add_chunk(
		&self,
		acc: &mut MetricAccumulator,
		dataset: &[u8],
		bounds: &DatasetBounds,
	) -> Option<Result<(), Error>> {
		match self {
			Self::Runtime(model) => Some(Dataset::decode_blob(dataset, bounds).and_then(|d| acc.add_chunk(model, &d))),
			Self::Native(hash) => nn_host::add_chunk(*hash, dataset, *bounds, *acc).map(|r| r.map(|next| *acc = next)),
		}
	}
}

/// `i8` values as the bytes of their two's complement.
fn as_bytes(input: &[i8]) -> Vec<u8> {
	input.iter().map(|&v| v as u8).collect()
}
