//! The bounties' read-only queries as a runtime API, for clients that decorate runtime APIs from
//! the metadata but not pallet view functions: polkadot.js apps shows it under Developer →
//! Runtime calls (`mlBountiesApi.leaderboard`), `@polkadot/api` as `api.call.mlBountiesApi`.
//! The view functions of the pallet answer the same questions.

use crate::{BountyId, Leaderboard};
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only queries of ModelChain bounties.
	pub trait MlBountiesApi<AccountId: Codec, BlockNumber: Codec> {
		/// A bounty's phase, deadline and every submission with its trainer, commitment
		/// block, whether it was revealed, its score and its rank (`None`: no such bounty).
		fn leaderboard(bounty: BountyId) -> Option<Leaderboard<AccountId, BlockNumber>>;
	}
}
