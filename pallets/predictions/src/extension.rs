//! Transaction-pool validation of answer submissions.
//!
//! A signed `submit_predictions` is only valid if every answer in it could be accepted now:
//! the signer is a worker key, the request is open, its worker is assigned and has not answered, the deadline has not
//! passed and the answer has the model's output form. Each answer `provides` the tag
//! `(worker, request)`, so a second transaction answering the same request from the same
//! worker cannot enter the pool beside the first. Invalid submissions never reach a block,
//! and their sender pays nothing.

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

/// The pool tag an answer provides: one per worker and request.
pub fn answer_tag<AccountId: Encode>(worker: &AccountId, request: RequestId) -> alloc::vec::Vec<u8> {
	(b"ml-predictions/answer", worker, request).encode()
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
		for (id, answer) in answers.iter() {
			let req = Pallet::<T>::check_answer(&worker, *id, answer).map_err(invalid)?;
			let left: u64 = req.deadline.saturating_sub(now).unique_saturated_into();
			valid.longevity = valid.longevity.min(left.saturating_add(1));
			valid.provides.push(answer_tag(&worker, *id));
		}
		Ok((valid, (), origin))
	}

	impl_tx_ext_default!(<T as frame_system::Config>::RuntimeCall; prepare);
}
