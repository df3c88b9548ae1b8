//! Commit, reveal and quorum: the rules every task answered by several drawn workers shares
//! (a prediction request's output, a bounty's scores), written once.
//!
//! Workers first submit a [`commitment`] to their answer, and reveal the answer with its salt
//! only once every worker has committed or the commit window has passed ([`reveals_open`]):
//! no answer is public before every worker is bound to its own, so a lazy worker cannot copy
//! a peer's. The commitment names the worker, so copying another's commitment gives nothing
//! the copier can open. The answer that [`quorum_answer`] finds `quorum` times is final.

use codec::Encode;

/// What `worker` commits to for task `task` of `domain` (a pallet's tag, e.g.
/// `b"modelchain/predictions/commit"`): `blake2_256` of the domain, the task, the worker, the
/// answer and a secret salt.
pub fn commitment<AccountId: Encode, Answer: Encode + ?Sized>(
	domain: &[u8],
	task: u64,
	worker: &AccountId,
	answer: &Answer,
	salt: &[u8; 32],
) -> [u8; 32] {
	polkadot_sdk::sp_io::hashing::blake2_256(&(domain, task, worker, answer, salt).encode())
}

/// Whether reveals are accepted: every one of `workers` workers has committed, or block
/// `now` is past the commit deadline.
pub fn reveals_open<BlockNumber: PartialOrd>(
	committed: usize,
	workers: usize,
	commit_deadline: Option<BlockNumber>,
	now: BlockNumber,
) -> bool {
	committed >= workers || commit_deadline.is_some_and(|d| now > d)
}

/// The first answer (in arrival order) that at least `quorum` of `answers` equal, if any.
/// With `2 × quorum > answers`, at most one answer can reach it.
pub fn quorum_answer<'a, Answer: PartialEq + 'a>(
	answers: impl Iterator<Item = &'a Answer> + Clone,
	quorum: u32,
) -> Option<&'a Answer> {
	let quorum = usize::try_from(quorum).unwrap_or(usize::MAX).max(1);
	let mut seen = answers.clone();
	seen.find(|candidate| answers.clone().filter(|a| a == candidate).count() >= quorum)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn commitments_bind_domain_task_worker_answer_and_salt() {
		let base = commitment(b"d", 1, &7u64, &42u32, &[0; 32]);
		assert_eq!(base, commitment(b"d", 1, &7u64, &42u32, &[0; 32]));
		for other in [
			commitment(b"e", 1, &7u64, &42u32, &[0; 32]),
			commitment(b"d", 2, &7u64, &42u32, &[0; 32]),
			commitment(b"d", 1, &8u64, &42u32, &[0; 32]),
			commitment(b"d", 1, &7u64, &43u32, &[0; 32]),
			commitment(b"d", 1, &7u64, &42u32, &[1; 32]),
		] {
			assert_ne!(base, other);
		}
	}

	#[test]
	fn reveals_open_when_all_committed_or_after_the_deadline() {
		assert!(!reveals_open(2, 3, Some(5u32), 5));
		assert!(reveals_open(2, 3, Some(5u32), 6));
		assert!(reveals_open(3, 3, Some(5u32), 1));
		assert!(!reveals_open(0, 3, None::<u32>, 100));
	}

	#[test]
	fn quorum_answer_needs_quorum_identical_answers() {
		let answers = [3, 4, 3, 5];
		assert_eq!(quorum_answer(answers.iter(), 2), Some(&3));
		assert_eq!(quorum_answer(answers.iter(), 3), None);
		assert_eq!(quorum_answer([4, 3, 3, 4].iter(), 2), Some(&4), "the first to reach it, in arrival order");
		assert_eq!(quorum_answer([9].iter(), 1), Some(&9));
		assert_eq!(quorum_answer([9].iter(), 0), Some(&9), "a quorum of zero means one");
		assert_eq!(quorum_answer(core::iter::empty::<&u8>(), 1), None);
	}
}
