//! Signed transactions from off-chain workers, with the nonce the key's pending transactions
//! leave free.
//!
//! `frame_system`'s `Signer` signs with the nonce stored on chain. An off-chain worker that
//! sends every block therefore signs its next transaction with the nonce of the one still in
//! the pool whenever that one has not made it into the very next block: the pool keeps one of
//! the two (or swaps them by priority) and drops the other, and the answers in the dropped one
//! reach the chain only when the worker sends them again blocks later, if at all before the
//! deadline. On a network this happened to a large share of the workers' submissions (the
//! zombienet load of 2026-12-03: the same nonce signed three and four times in a row).
//!
//! [`send_signed`] keeps, in the node's persistent off-chain storage, the nonces a key has
//! sent and not yet seen on chain, shared by every pallet's off-chain worker, and signs with
//! the next free one. [`next_nonce`] is its pure core: it goes back to the chain's nonce when
//! the transaction the chain waits for looks lost (later ones cannot be included without it),
//! and stops sending while too many are pending, so a key never fills the pool's future queue.

use alloc::vec::Vec;
use codec::Encode;
use polkadot_sdk::{
	frame_system::{
		self,
		offchain::{Account, AppCrypto, CreateSignedTransaction, CreateTransactionBase, SubmitTransaction},
		pallet_prelude::BlockNumberFor,
	},
	sp_io,
	sp_runtime::{
		offchain::{
			storage::StorageValueRef,
			storage_lock::{StorageLock, Time},
			Duration, Timestamp,
		},
		traits::{One, Saturating},
	},
};

/// Prefix of the persistent-storage record of a key's pending nonces.
pub const PENDING_KEY_PREFIX: &[u8] = b"modelchain::pending-nonces::";

/// Blocks after which a sent transaction the chain still waits for (its nonce is the chain's)
/// counts as lost, and its nonce is signed again. A transaction is normally in the next block;
/// the workers send what is still not on chain again after as many blocks (their
/// `RESEND_AFTER`), and this lets the resend take the lost transaction's place instead of
/// queueing behind it. If it was only late, the pool refuses the new one (same nonce, same
/// priority) and the worker tries again next block.
pub const STUCK_AFTER: u32 = 2;

/// The most transactions of one key waiting for the chain; the worker sends nothing more
/// until the chain catches up (or the oldest is found lost).
pub const MAX_PENDING: usize = 8;

/// How long after its first send in a block an off-chain worker run holds its transactions
/// back, in milliseconds. Peers validate a transaction they receive against the newest block
/// they have, and a run starts as soon as this node imported its block, often before its peers
/// did (always when this node authored it): an answer to a request drawn in that block, or a
/// reveal that opens after it, is invalid against the block before, so the peers rejected it
/// and never looked at it again. The transaction then waited in this node's pool until this node
/// authored a block (every fourth on a four-validator network; the zombienet load of 2026-12-03
/// showed exactly that pattern). Peers import a block well within this on the networks
/// measured, and a block's transactions are proposed a slot (6 s) later.
pub const PEER_IMPORT_MS: u64 = 1_500;

/// Persistent-storage key of the (block, unix milliseconds) before which this node's off-chain
/// workers do not submit.
pub const SUBMIT_AFTER_KEY: &[u8] = b"modelchain::submit-after";

/// The moment (unix milliseconds) before which nothing is submitted for block `block`, given
/// the moment stored for the last block that sent anything and the clock now: `delay` after
/// the first send of the block, shared by every later send of the same block (the predictions
/// and the bounties workers run one after the other).
pub fn submit_after<B: PartialEq>(stored: Option<(B, u64)>, block: &B, clock: u64, delay: u64) -> u64 {
	match stored {
		Some((at_block, after)) if at_block == *block => after,
		_ => clock.saturating_add(delay),
	}
}

/// Why [`send_signed`] did not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
	/// [`MAX_PENDING`] transactions of this key are waiting for the chain; try next block.
	TooManyPending,
	/// The runtime could not build or sign the transaction.
	CannotSign,
	/// The transaction pool refused the transaction.
	PoolRefused,
}

/// The nonce a key's next transaction is signed with, and what that choice gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan<N> {
	/// The nonce to sign with.
	pub nonce: N,
	/// If the transactions still pending were given up (see [`next_nonce`]): the lowest of
	/// their nonces. What they carried is not on chain and must be sent again now.
	pub abandoned: Option<N>,
}

/// The nonce to sign the next transaction with, given the chain's nonce `on_chain` and the
/// `(nonce, block sent)` of transactions sent before (oldest first), which it updates.
///
/// It drops what the chain has included, and gives up every pending transaction when the one
/// the chain waits for (its nonce is the chain's) cannot come any more, since the later ones
/// cannot be included without it: its sender knows it is `dead` (everything in it went stale,
/// so the pool dropped it as invalid), it was sent `stuck_after` blocks ago or more, or it was
/// never recorded. `None` if `max_pending` are still waiting.
pub fn next_nonce<N, B>(
	on_chain: N,
	pending: &mut Vec<(N, B)>,
	now: B,
	stuck_after: B,
	max_pending: usize,
	dead: impl Fn(N) -> bool,
) -> Option<Plan<N>>
where
	N: Ord + Copy + Saturating + One,
	B: Ord + Copy + Saturating,
{
	pending.retain(|(nonce, _)| *nonce >= on_chain);
	let abandoned = match pending.first() {
		Some((nonce, sent)) if *nonce != on_chain || sent.saturating_add(stuck_after) <= now || dead(*nonce) => {
			Some(*nonce)
		}
		_ => None,
	};
	if abandoned.is_some() {
		pending.clear();
	}
	if pending.len() >= max_pending {
		return None;
	}
	let nonce = pending.last().map_or(on_chain, |(nonce, _)| nonce.saturating_add(One::one()));
	Some(Plan { nonce, abandoned })
}

/// Prefix of the persistent-storage lock that makes choosing and recording a key's nonce one
/// step. Off-chain worker runs of two blocks overlap when blocks come faster than a run (catch-up
/// after a pause), and the predictions and the bounties workers sign with the same keys: without
/// it, two runs could read the same record and sign the same nonce, and the pool would drop one.
pub const NONCE_LOCK_PREFIX: &[u8] = b"modelchain::nonce-lock::";

/// The nonce lock expires after this long, so a run that died holding it holds up the key's
/// next run by at most this much. It covers building the transaction, which includes the
/// inference a run is budgeted for (well under a second on the networks measured).
pub const NONCE_LOCK_MS: u64 = 10_000;

/// A transaction signed with a nonce recorded as the key's (see [`reserve`]), to submit with
/// [`submit`].
pub struct Reserved<T: CreateSignedTransaction<LocalCall>, LocalCall> {
	/// The nonce it is signed with.
	pub nonce: T::Nonce,
	tx: <T as CreateTransactionBase<LocalCall>>::Extrinsic,
	who: T::AccountId,
	now: BlockNumberFor<T>,
}

/// The persistent-storage key of `who`'s entry under `prefix`.
fn account_key<T: frame_system::Config>(prefix: &[u8], who: &T::AccountId) -> Vec<u8> {
	let mut key = prefix.to_vec();
	key.extend(who.encode());
	key
}

/// Runs `f` on `who`'s record of pending nonces, with the key's nonce lock held.
fn with_pending<T: frame_system::Config, R>(
	who: &T::AccountId,
	f: impl FnOnce(&mut Vec<(T::Nonce, BlockNumberFor<T>)>) -> R,
) -> R {
	let lock_key = account_key::<T>(NONCE_LOCK_PREFIX, who);
	let mut lock = StorageLock::<Time>::with_deadline(&lock_key, Duration::from_millis(NONCE_LOCK_MS));
	let _guard = lock.lock();
	let key = account_key::<T>(PENDING_KEY_PREFIX, who);
	let store = StorageValueRef::persistent(&key);
	let mut pending = store.get().ok().flatten().unwrap_or_default();
	let result = f(&mut pending);
	store.set(&pending);
	result
}

/// Signs what `build` makes of the next free nonce of `account` (see [`next_nonce`]; `dead`
/// tells whether a pending transaction of the caller's can no longer be included) and records
/// the nonce as pending at block `now`, before the transaction is submitted: a run that
/// overlaps this one signs the next nonce, even while this one waits to submit. `build` learns
/// which pending transactions were given up before it decides what to send (`None`: nothing).
/// Off-chain context only.
pub fn reserve<T, C, LocalCall>(
	account: &Account<T>,
	now: BlockNumberFor<T>,
	dead: impl Fn(T::Nonce) -> bool,
	build: impl FnOnce(&Plan<T::Nonce>) -> Option<LocalCall>,
) -> Result<Option<Reserved<T, LocalCall>>, SendError>
where
	T: CreateSignedTransaction<LocalCall> + frame_system::Config,
	C: AppCrypto<T::Public, T::Signature>,
{
	with_pending::<T, _>(&account.id, |pending| {
		let on_chain = frame_system::Pallet::<T>::account_nonce(&account.id);
		// What is pruned here stays pruned, whatever happens next.
		let plan = next_nonce(on_chain, pending, now, STUCK_AFTER.into(), MAX_PENDING, dead)
			.ok_or(SendError::TooManyPending)?;
		let Some(call) = build(&plan) else { return Ok(None) };
		let tx = T::create_signed_transaction::<C>(call.into(), account.public.clone(), account.id.clone(), plan.nonce)
			.ok_or(SendError::CannotSign)?;
		pending.push((plan.nonce, now));
		Ok(Some(Reserved { nonce: plan.nonce, tx, who: account.id.clone(), now }))
	})
}

/// Submits a [`reserve`]d transaction once peers have had time to import the block it answers
/// (see [`PEER_IMPORT_MS`]). A transaction the pool refuses gives its nonce back. Returns the
/// nonce. Off-chain context only.
pub fn submit<T, LocalCall>(reserved: Reserved<T, LocalCall>) -> Result<T::Nonce, SendError>
where
	T: CreateSignedTransaction<LocalCall> + frame_system::Config,
{
	let Reserved { nonce, tx, who, now } = reserved;
	wait_for_peers::<T>(now);
	SubmitTransaction::<T, LocalCall>::submit_transaction(tx).map_err(|()| {
		// A later nonce reserved meanwhile is then above a gap, which `next_nonce` fills next time.
		with_pending::<T, _>(&who, |pending| pending.retain(|(n, at)| (*n, *at) != (nonce, now)));
		SendError::PoolRefused
	})?;
	Ok(nonce)
}

/// [`reserve`] and [`submit`]: sends what `build` makes of the next free nonce, signed with
/// `account`'s key. Returns the nonce used, if anything was sent. Off-chain context only.
pub fn send_signed<T, C, LocalCall>(
	account: &Account<T>,
	now: BlockNumberFor<T>,
	dead: impl Fn(T::Nonce) -> bool,
	build: impl FnOnce(&Plan<T::Nonce>) -> Option<LocalCall>,
) -> Result<Option<T::Nonce>, SendError>
where
	T: CreateSignedTransaction<LocalCall> + frame_system::Config,
	C: AppCrypto<T::Public, T::Signature>,
{
	match reserve::<T, C, LocalCall>(account, now, dead, build)? {
		Some(reserved) => submit(reserved).map(Some),
		None => Ok(None),
	}
}

/// Sleeps until [`submit_after`] for block `now`, recording it for the other sends of the block.
fn wait_for_peers<T: frame_system::Config>(now: BlockNumberFor<T>) {
	let store = StorageValueRef::persistent(SUBMIT_AFTER_KEY);
	let clock = sp_io::offchain::timestamp();
	let after = submit_after(store.get().ok().flatten(), &now, clock.unix_millis(), PEER_IMPORT_MS);
	store.set(&(now, after));
	if clock.unix_millis() < after {
		sp_io::offchain::sleep_until(Timestamp::from_unix_millis(after));
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn next(on_chain: u32, pending: &mut Vec<(u32, u32)>, now: u32) -> Option<u32> {
		next_nonce(on_chain, pending, now, 4, 3, |_| false).map(|plan| plan.nonce)
	}

	#[test]
	fn the_first_send_of_a_block_waits_for_peers_and_the_others_share_its_moment() {
		// First send of block 7 at 10 000 ms: not before 11 500.
		assert_eq!(submit_after(Some((6u32, 4_000)), &7, 10_000, 1_500), 11_500);
		assert_eq!(submit_after(None, &7u32, 10_000, 1_500), 11_500);
		// A later send of block 7 (the bounties worker after the predictions one): the same moment,
		// whether it comes before it or after.
		assert_eq!(submit_after(Some((7u32, 11_500)), &7, 10_200, 1_500), 11_500);
		assert_eq!(submit_after(Some((7u32, 11_500)), &7, 12_000, 1_500), 11_500);
	}

	#[test]
	fn nothing_pending_signs_with_the_chains_nonce() {
		assert_eq!(next(5, &mut vec![], 10), Some(5));
	}

	#[test]
	fn a_transaction_not_yet_on_chain_takes_the_next_nonce() {
		let mut pending = vec![(5, 9)];
		assert_eq!(next(5, &mut pending, 10), Some(6));
		pending.push((6, 10));
		assert_eq!(next(5, &mut pending, 11), Some(7));
	}

	#[test]
	fn included_transactions_are_forgotten() {
		let mut pending = vec![(5, 8), (6, 9), (7, 10)];
		assert_eq!(next(7, &mut pending, 11), Some(8));
		assert_eq!(pending, vec![(7, 10)]);
		assert_eq!(next(8, &mut pending, 11), Some(8));
		assert!(pending.is_empty());
	}

	#[test]
	fn a_lost_transaction_is_replaced_with_the_chains_nonce() {
		// Nonce 5 sent at block 6, not on chain at 10 = 6 + 4: lost, and 6 cannot go in without it.
		let mut pending = vec![(5, 6), (6, 9)];
		assert_eq!(next(5, &mut pending, 10), Some(5));
		assert!(pending.is_empty());
		// One block earlier it was still waited for.
		let mut pending = vec![(5, 6), (6, 9)];
		assert_eq!(next(5, &mut pending, 9), Some(7));
	}

	#[test]
	fn a_dead_transaction_is_replaced_at_once_and_what_followed_it_is_given_up() {
		// Nonce 5's content went stale before any block took it: the pool dropped it, and 6
		// waits for a 5 that never comes.
		let mut pending = vec![(5, 9), (6, 10)];
		let plan = next_nonce(5u32, &mut pending, 11u32, 4, 3, |n| n == 5);
		assert_eq!(plan, Some(Plan { nonce: 5, abandoned: Some(5) }));
		assert!(pending.is_empty());
		// Only the one the chain waits for matters: a dead later one is left to the pool.
		let mut pending = vec![(5, 9), (6, 10)];
		let plan = next_nonce(5u32, &mut pending, 11u32, 4, 3, |n| n == 6);
		assert_eq!(plan, Some(Plan { nonce: 7, abandoned: None }));
	}

	#[test]
	fn a_gap_at_the_chains_nonce_is_filled() {
		// The record holds 6 and 7 but the chain waits for 5 (never recorded): send 5.
		let mut pending = vec![(6, 9), (7, 9)];
		assert_eq!(next(5, &mut pending, 10), Some(5));
		assert!(pending.is_empty());
	}

	#[test]
	fn too_many_pending_waits() {
		let mut pending = vec![(5, 9), (6, 9), (7, 10)];
		assert_eq!(next(5, &mut pending, 10), None);
		assert_eq!(pending.len(), 3, "nothing forgotten while waiting");
		// The chain takes one: room again.
		assert_eq!(next(6, &mut pending, 11), Some(8));
	}

	#[test]
	fn the_nonce_never_reuses_a_pending_one_and_never_leaves_a_gap() {
		// Every sequence of chain nonces (never decreasing, never above what was sent) and
		// blocks: the nonce chosen is either the chain's or one above the last pending.
		for seed in 0u32..2_000 {
			let mut pending: Vec<(u32, u32)> = vec![];
			let mut on_chain = 0u32;
			let mut sent_max: Option<u32> = None;
			let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
			for now in 0..40u32 {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				if let Some(max) = sent_max {
					on_chain = on_chain.max((on_chain + x % 3).min(max + 1));
				}
				let before = pending.clone();
				let dead = |n: u32| (n ^ x).is_multiple_of(7);
				match next_nonce(on_chain, &mut pending, now, 4, 3, dead) {
					None => assert!(pending.len() >= 3),
					Some(Plan { nonce: n, abandoned }) => {
						if let Some(a) = abandoned {
							// Everything pending from `a` on was given up; the chain's nonce is signed again.
							assert_eq!(n, on_chain);
							assert!(before.iter().filter(|(p, _)| *p >= on_chain).all(|(p, _)| *p >= a));
						}
						assert!(n >= on_chain);
						let waited = before.iter().any(|(p, _)| *p == n && !pending.is_empty());
						assert!(!waited, "nonce {n} reused while pending: {before:?}");
						if n > on_chain {
							assert_eq!(pending.last().map(|(p, _)| p + 1), Some(n), "gap below {n}");
						}
						pending.push((n, now));
						assert_eq!(pending.first().map(|(p, _)| *p), Some(on_chain), "the chain's nonce is pending");
						assert!(pending.windows(2).all(|w| w[0].0 + 1 == w[1].0), "contiguous: {pending:?}");
						sent_max = Some(sent_max.map_or(n, |m| m.max(n)));
					}
				}
			}
		}
	}
}
