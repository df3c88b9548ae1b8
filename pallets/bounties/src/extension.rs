//! Transaction-pool validation of evaluators' score submissions.
//!
//! A signed `submit_scores` enters the pool only if dispatch would accept it now (the same
//! checks, [`Pallet::check_scores`]): the signer is the worker key of one of the bounty's
//! evaluators, the bounty is evaluating, and the commitment or reveal is the one its step
//! expects. Accepted submissions are free, so invalid ones must not reach a block either: an
//! evaluator's off-chain worker that sends a stray or repeated submission pays nothing, and
//! nobody can make it pay. Valid ones get `ScorePriority`, so a flood of ordinary
//! transactions cannot push them past their deadline and get honest evaluators slashed for
//! missing it; each `provides` the tag `(evaluator, bounty, step)`, so one evaluator's second
//! copy of a step cannot enter the pool beside the first, and lives until the step's deadline.
//! A rejected submission is `InvalidTransaction::Custom(i)`, `i` being the index of the
//! pallet error dispatch would return.

use crate::*;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use frame_support::{
	dispatch::DispatchInfo,
	pallet_prelude::{TransactionSource, Weight},
	traits::{Get, IsSubType, OriginTrait},
	DefaultNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::{
	impl_tx_ext_default,
	traits::{DispatchInfoOf, Dispatchable, Saturating, TransactionExtension, UniqueSaturatedInto, ValidateResult},
	transaction_validity::{InvalidTransaction, ValidTransaction},
};

/// Checks `submit_scores` in the transaction pool; every other call passes untouched.
///
/// It carries no data and signs nothing extra, so wallets that do not know it (polkadot.js
/// apps) keep working.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckScoreSubmissions<T>(PhantomData<T>);

impl<T> CheckScoreSubmissions<T> {
	/// The extension (it has no parameters).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckScoreSubmissions<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckScoreSubmissions")
	}
}

/// The pool tag a score submission provides: one per evaluator, bounty and step (0 commit,
/// 1 reveal).
pub fn score_tag<AccountId: Encode>(evaluator: &AccountId, bounty: BountyId, step: u8) -> alloc::vec::Vec<u8> {
	(b"ml-bounties/scores", evaluator, bounty, step).encode()
}

impl<T: Config + Send + Sync> TransactionExtension<<T as frame_system::Config>::RuntimeCall>
	for CheckScoreSubmissions<T>
where
	<T as frame_system::Config>::RuntimeCall: IsSubType<Call<T>> + Dispatchable<Info = DispatchInfo>,
{
	const IDENTIFIER: &'static str = "CheckScoreSubmissions";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		match call.is_sub_type() {
			Some(Call::submit_scores { .. }) => {
				T::WeightInfo::check_scores(T::MaxSubmissions::get(), T::MaxEvaluators::get())
			}
			_ => Weight::zero(),
		}
	}

	fn validate(
		&self,
		origin: <T as frame_system::Config>::RuntimeOrigin,
		call: &<T as frame_system::Config>::RuntimeCall,
		_info: &DispatchInfoOf<<T as frame_system::Config>::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, <T as frame_system::Config>::RuntimeCall> {
		let Some(Call::submit_scores { bounty, submission }) = call.is_sub_type() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		// Unsigned submissions fail at dispatch (`ensure_signed`); there is nobody to check.
		let Some(key) = origin.as_signer() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let (evaluator, record, evaluation) = Pallet::<T>::check_scores(key, *bounty, submission)
			.map_err(|e| InvalidTransaction::Custom(e.encode().first().copied().unwrap_or(u8::MAX)))?;
		let (step, until) = match submission {
			ScoreSubmission::Commit(_) => (0, evaluation.commit_deadline),
			ScoreSubmission::Reveal(..) => (1, record.deadline),
		};
		let now = frame_system::Pallet::<T>::block_number();
		let left: u64 = until.saturating_sub(now).unique_saturated_into();
		let valid = ValidTransaction {
			priority: T::ScorePriority::get(),
			longevity: left.saturating_add(1),
			provides: alloc::vec![score_tag(&evaluator, *bounty, step)],
			propagate: true,
			..Default::default()
		};
		Ok((valid, (), origin))
	}

	impl_tx_ext_default!(<T as frame_system::Config>::RuntimeCall; prepare);
}
