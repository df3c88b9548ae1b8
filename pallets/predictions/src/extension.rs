//! Transaction-pool validation of answer submissions.
//!
//! A signed `submit_predictions` is valid while at least one of its entries (answers,
//! commitments, reveals) could be accepted now (the request is open, its worker is assigned
//! and has not answered, the step's window is open, the model is not retired, a reveal matches
//! its commitment) and none is the worker's own fault, the signer is a worker key and no
//! request appears twice. Answers only overtaken by events (a peer's answer finalized the
//! request first) do not invalidate the others: with R = 3 and Q = 2 the third worker's batch
//! usually carries one, and dropping the batch would make it miss everything else in it.
//! Dispatch skips the same stale entries. Each acceptable answer or reveal `provides` the tag
//! `(worker, request)` and each commitment its own, so a second transaction with the same step
//! of the same worker for the same request cannot enter the pool beside the first. Invalid submissions never reach a block, and
//! their sender pays nothing.

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

/// Checks `submit_predictions` in the transaction pool; every other call passes untouched.
///
/// It carries no data and signs nothing extra, so wallets that do not know it (polkadot.js
/// apps) keep working.
#[derive(Encode, Decode, DecodeWithMemTracking, DefaultNoBound, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckPredictionAnswers<T>(PhantomData<T>);

impl<T> CheckPredictionAnswers<T> {
	/// The extension (it has no parameters).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckPredictionAnswers<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckPredictionAnswers")
	}
}

/// The pool tag an answer or reveal provides: one per worker and request.
pub fn answer_tag<AccountId: Encode>(worker: &AccountId, request: RequestId) -> alloc::vec::Vec<u8> {
	(b"ml-predictions/answer", worker, request).encode()
}

/// The pool tag a commitment provides: one per worker and request.
pub fn commit_tag<AccountId: Encode>(worker: &AccountId, request: RequestId) -> alloc::vec::Vec<u8> {
	(b"ml-predictions/commit", worker, request).encode()
}

impl<T: Config + Send + Sync> TransactionExtension<<T as frame_system::Config>::RuntimeCall>
	for CheckPredictionAnswers<T>
where
	<T as frame_system::Config>::RuntimeCall: IsSubType<Call<T>> + Dispatchable<Info = DispatchInfo>,
{
	const IDENTIFIER: &'static str = "CheckPredictionAnswers";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &<T as frame_system::Config>::RuntimeCall) -> Weight {
		match call.is_sub_type() {
			Some(Call::submit_predictions { answers }) => T::WeightInfo::check_answers(answers.len() as u32),
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
		let Some(Call::submit_predictions { answers }) = call.is_sub_type() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		// Unsigned submissions fail at dispatch (`ensure_signed`); there is nobody to check.
		let Some(who) = origin.as_signer() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let invalid = |e: AnswerError| InvalidTransaction::Custom(e as u8);
		let worker = Pallet::<T>::worker_of(who).map_err(invalid)?;
		Pallet::<T>::check_submission(answers).map_err(invalid)?;
		let now = frame_system::Pallet::<T>::block_number();
		let mut valid = ValidTransaction {
			priority: T::AnswerPriority::get(),
			longevity: u64::MAX,
			propagate: true,
			..Default::default()
		};
		let mut first_stale = None;
		for (id, answer) in answers.iter() {
			match Pallet::<T>::check_answer(&worker, *id, answer) {
				Ok(req) => {
					// Accepted answers always have a deadline (the draw set it).
					let deadline = req.deadline.unwrap_or(now);
					let left: u64 = deadline.saturating_sub(now).unique_saturated_into();
					valid.longevity = valid.longevity.min(left.saturating_add(1));
					valid.provides.push(match answer {
						Submission::Commit(_) => commit_tag(&worker, *id),
						Submission::Answer(_) | Submission::Reveal(..) => answer_tag(&worker, *id),
					});
				}
				Err(e) if e.is_stale() => {
					first_stale.get_or_insert(e);
				}
				Err(e) => return Err(invalid(e).into()),
			}
		}
		if valid.provides.is_empty() {
			return Err(invalid(first_stale.unwrap_or(AnswerError::EmptySubmission)).into());
		}
		Ok((valid, (), origin))
	}

	impl_tx_ext_default!(<T as frame_system::Config>::RuntimeCall; prepare);
}
