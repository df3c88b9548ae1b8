//! Types shared by every ModelChain crate.
//!
//! The runtime, the pallets' off-chain workers, the node and the client all need to agree on
//! the account and balance types and on the key type under which a worker's signing key lives
//! in a node's keystore. Keeping them here means the node does not depend on pallet crates
//! just to know a key type.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod calendar;
pub mod funds;
pub mod models;
pub mod offchain;
pub mod queue;
pub mod quorum;
#[cfg(feature = "std")]
pub mod testing;
pub mod traits;

use polkadot_sdk::{
	sp_core::crypto::KeyTypeId,
	sp_runtime::{
		traits::{IdentifyAccount, Verify},
		MultiSignature,
	},
};

/// Block number.
pub type BlockNumber = u32;
/// Signature used by accounts: sr25519, ed25519 or ecdsa, as polkadot.js produces them.
pub type Signature = MultiSignature;
/// An account is identified by the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A ModelCoin amount, in Plancks (10^-12 MDC).
pub type Balance = u128;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Hash of blocks, blobs and commitments.
pub type Hash = polkadot_sdk::sp_core::H256;

/// Token symbol of ModelCoin, shown by wallets.
pub const TOKEN_SYMBOL: &str = "MDC";
/// ModelCoin has 12 decimals: 1 MDC = 10^12 Planck.
pub const TOKEN_DECIMALS: u8 = 12;
/// One ModelCoin in its smallest unit.
pub const MDC: Balance = 1_000_000_000_000;
/// One thousandth of a ModelCoin.
pub const MILLI_MDC: Balance = MDC / 1_000;
/// One millionth of a ModelCoin.
pub const MICRO_MDC: Balance = MDC / 1_000_000;
/// SS58 address prefix: 42, the generic Substrate prefix, so dev keys look familiar
/// (`5GrwvaEF...` is Alice) and every wallet already knows it.
pub const SS58_PREFIX: u16 = 42;

/// Key type of a worker's signing key in a node's keystore.
///
/// An operator inserts it with `modelchain-node key insert --key-type mlwk --scheme sr25519`
/// or `author_insertKey`; `author_rotateKeys` generates it together with the consensus keys.
pub const WORKER_KEY_TYPE: KeyTypeId = KeyTypeId(*b"mlwk");

/// The worker key: an sr25519 application key under [`WORKER_KEY_TYPE`].
///
/// Off-chain workers sign their transactions with it, so the account that bonded ModelCoin is
/// the account whose key the node holds.
pub mod worker_key {
	use super::WORKER_KEY_TYPE;
	use polkadot_sdk::{
		sp_application_crypto::{app_crypto, sr25519},
		sp_core, sp_runtime,
	};
	app_crypto!(sr25519, WORKER_KEY_TYPE);

	/// Signs off-chain worker transactions with the worker key: the `AuthorityId` of the market
	/// pallets' off-chain workers (`frame_system::offchain::Signer<T, WorkerAuthId>`).
	pub struct WorkerAuthId;

	impl polkadot_sdk::frame_system::offchain::AppCrypto<sp_runtime::MultiSigner, sp_runtime::MultiSignature>
		for WorkerAuthId
	{
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn units_are_consistent() {
		assert_eq!(MDC, 10u128.pow(TOKEN_DECIMALS as u32));
		assert_eq!(MILLI_MDC * 1_000, MDC);
		assert_eq!(MICRO_MDC * 1_000_000, MDC);
		assert_eq!(&WORKER_KEY_TYPE.0, b"mlwk");
	}
}
