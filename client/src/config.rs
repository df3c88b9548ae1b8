//! The chain's types for subxt.
//!
//! ModelChain's transaction extensions need nothing here: the two of its own
//! (`CheckPredictionAnswers`, `CheckScoreSubmissions`) carry no data, and subxt skips every
//! extension whose explicit and implicit data are empty, so signed transactions come out as the
//! runtime checks them.

use subxt::{
	config::{
		substrate::{BlakeTwo256, SubstrateHeader, H256},
		Config, DefaultTransactionExtensions, HashFor, SubstrateConfig,
	},
	utils::{AccountId32, MultiAddress, MultiSignature},
	ArcMetadata,
};

/// AccountId32, `MultiAddress<AccountId32, ()>`, MultiSignature, BlakeTwo256, u32 blocks.
///
/// Wraps [`SubstrateConfig`] for its metadata cache: without it every block the client looks
/// at would download the metadata again.
#[derive(Debug, Clone, Default)]
pub struct ModelChainConfig(SubstrateConfig);

impl Config for ModelChainConfig {
	type AccountId = AccountId32;
	type Address = MultiAddress<AccountId32, ()>;
	type Signature = MultiSignature;
	type Hasher = BlakeTwo256;
	type Header = SubstrateHeader<H256>;
	type TransactionExtensions = DefaultTransactionExtensions<Self>;
	// Unused: the runtime charges fees in MDC only.
	type AssetId = u32;

	fn genesis_hash(&self) -> Option<HashFor<Self>> {
		self.0.genesis_hash()
	}

	fn metadata_for_spec_version(&self, spec_version: u32) -> Option<ArcMetadata> {
		self.0.metadata_for_spec_version(spec_version)
	}

	fn set_metadata_for_spec_version(&self, spec_version: u32, metadata: ArcMetadata) {
		self.0.set_metadata_for_spec_version(spec_version, metadata)
	}
}
