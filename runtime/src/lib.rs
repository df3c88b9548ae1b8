//! The ModelChain runtime.
//!
//! This file holds the runtime's types, its version and the pallet list with explicit indexes.
//! Pallet configurations live in [`configs`], runtime APIs in [`apis`] and genesis presets in
//! [`genesis_config_presets`].
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` needs a large recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// The same runtime built with the `fast-runtime` feature (every period short, see
/// `configs::periods`), for the node's `dev-fast` and `local-fast` chains.
#[cfg(feature = "std")]
pub mod fast_runtime {
	include!(concat!(env!("OUT_DIR"), "/modelchain_runtime_fast"));
}

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(feature = "std")]
pub mod invariants;
#[cfg(test)]
mod tests;

use polkadot_sdk::{
	frame_support, frame_system,
	sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256},
	sp_version::{runtime_version, RuntimeVersion},
	*,
};

pub use modelchain_primitives::{
	AccountId, Balance, BlockNumber, Hash, Nonce, Signature, MDC, MICRO_MDC, MILLI_MDC, SS58_PREFIX, TOKEN_DECIMALS,
	TOKEN_SYMBOL, WORKER_KEY_TYPE,
};

/// Opaque types, for the node: it handles blocks and extrinsics as bytes, so it keeps working
/// across runtime upgrades that change the call enum.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

/// Binds the worker key to the runtime's session keys, so `author_rotateKeys` and the dev seed
/// (`--dev`, `--alice`) put a worker key in the node's keystore next to the consensus keys.
pub struct WorkerKey;
impl sp_runtime::BoundToRuntimeAppPublic for WorkerKey {
	type Public = modelchain_primitives::worker_key::Public;
}

impl_opaque_keys! {
	/// The node's keys: block authoring, finality and the ML worker key.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub worker: WorkerKey,
	}
}

/// The runtime version. `spec_version` must grow with every runtime upgrade.
///
/// 101: `Model::cost` counts each layer's overheads (writes, kernel rows, windows, layers, the
/// run), so models are charged and bounded by their real work. Costs stored before it (a
/// registered model's, a revealed bounty model's, an open request's) were computed by the old
/// rule and are not recomputed: upgrade only a chain with none of them, or start a new one.
///
/// 102: the engine accepts `Lstm` and `Gru` layers (model format tags 7 and 8) on `[steps,
/// features]` inputs. Models that decoded before decode and cost the same, so a 101 chain
/// upgrades in place.
///
/// 103: off-chain workers run models in the node's native engine when it offers one (the
/// `nn_host` host functions of `modelchain-nn-host`, which this runtime imports). Results and
/// everything on chain are unchanged, but a node must register those host functions to execute
/// this runtime: upgrade a chain only once all its nodes run a `modelchain-node` that does.
///
/// 104: a prediction worker's off-chain worker sends a commitment again with the output and
/// salt of its first attempt, and reveals only what matches the commitment on chain (before,
/// a resend carried a fresh salt, and if the chain took the resend the worker revealed the old
/// one and missed its whole batch). Off-chain only; a 103 chain upgrades in place.
///
/// 105: the off-chain workers (predictions and bounties) sign with the next nonce their key's
/// pending transactions leave free (`modelchain_primitives::offchain`), not the chain's nonce,
/// which a transaction still in the pool had taken, and hold their first submission of a block
/// back `PEER_IMPORT_MS` (1.5 s) so that peers have imported the block it answers (they
/// rejected it before, and it waited for its own node's next block). Off-chain only; a 104
/// chain upgrades in place.
///
/// 106: `frame_system`'s calls and transaction extensions and `pallet_timestamp` are weighed by
/// their benchmarked weights at the runtime's ParityDB costs, not `()`'s RocksDB ones: every
/// signed transaction weighs (and pays for) about 170 µs less. Off-chain workers choose and
/// record a key's nonce under a storage lock, before they submit, so overlapping runs never
/// sign the same one. A 105 chain upgrades in place.
///
/// 107: `MlPredictions::request_predictions` (call index 4) makes up to `MaxRequestsPerCall`
/// requests of one model in one call, the call's fixed work shared. The draw hook is weighed by
/// the seats it drew (`draw_requests` and `draw_seats` benchmarks), not by `MaxRedundancy` per
/// request from a benchmark that underpriced many-seat draws. The model registry's `acquire`
/// takes a number of uses. A block's requests are bounded by their seats (`MaxPendingSeats`,
/// 1,024), not their number (`MaxPendingDraws`, 256), in the new `PendingSeats`, which the
/// predictions pallet's storage migration to version 1 counts from the draw queue: a 106 chain
/// upgrades in place.
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("modelchain"),
	impl_name: alloc::borrow::Cow::Borrowed("modelchain"),
	authoring_version: 1,
	spec_version: 107,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. Aura slots are this long; GRANDPA finalizes shortly after.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
/// Slot duration; it cannot change once a chain has started.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// An account holding less than this (0.001 MDC) is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_MDC;

/// The address format: polkadot.js sends `MultiAddress::Id`.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// Signed block with justifications.
pub type SignedBlock = generic::SignedBlock<Block>;
/// Block identifier.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, checked in this order for every signed transaction.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_ml_predictions::CheckPredictionAnswers<Runtime>,
	pallet_ml_bounties::CheckScoreSubmissions<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions of a transaction from `nonce` with mortality `era`, no tip and
/// no metadata-hash check: what the off-chain workers attach, and what test clients build.
pub fn tx_extension(nonce: Nonce, era: generic::Era) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_ml_predictions::CheckPredictionAnswers::<Runtime>::new(),
		pallet_ml_bounties::CheckScoreSubmissions::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// Unchecked extrinsic type, as it arrives at the runtime.
pub type UncheckedExtrinsic = generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on the next runtime upgrade, besides the pallets' own.
#[allow(unused_parens)]
type Migrations = (pallet_ml_predictions::migrations::MigrateToV1<Runtime>,);

/// Dispatches calls to the pallets and runs the block hooks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// Indexes are part of the transaction format: never reuse or renumber them.

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(12)]
	pub type Treasury = pallet_treasury;

	#[runtime::pallet_index(20)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(21)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(30)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(40)]
	pub type MlStaking = pallet_ml_staking;
	#[runtime::pallet_index(41)]
	pub type MlModels = pallet_ml_models;
	#[runtime::pallet_index(42)]
	pub type MlPredictions = pallet_ml_predictions;
	#[runtime::pallet_index(43)]
	pub type MlBounties = pallet_ml_bounties;
}
