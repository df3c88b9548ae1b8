//! The hashes a client computes exactly as the runtime does: blob hashes (the preimage key) and
//! the bounty commitments. Known-answer tests pin each one to the value the pallet's own tests
//! pin, so a change on either side fails a test.

use subxt::{ext::codec::Encode, utils::AccountId32};

/// `blake2_256` of a blob: its hash as `pallet-preimage` and the registries key it.
pub fn blob_hash(blob: &[u8]) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(blob)
}

/// `pallet_ml_bounties::chunk_commitment`: the requester's commitment to a data chunk.
pub fn chunk_commitment(blob_hash: &[u8; 32], salt: &[u8; 32]) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&(b"modelchain/bounties/chunk", blob_hash, salt).encode())
}

/// `pallet_ml_bounties::model_commitment`: a trainer's commitment to a model for a bounty; it
/// names the trainer, so nobody else can reveal it.
pub fn model_commitment(bounty: u32, trainer: &AccountId32, blob_hash: &[u8; 32], salt: &[u8; 32]) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&(b"modelchain/bounties/model", bounty, &trainer.0, blob_hash, salt).encode())
}

/// A fresh random salt (the OS's randomness).
pub fn salt() -> [u8; 32] {
	rand::random()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The same inputs and answers as `pallet-ml-bounties`' test
	/// `commitments_have_known_answers`.
	#[test]
	fn commitments_match_the_pallets_known_answers() {
		let blob = blob_hash(b"modelchain");
		assert_eq!(hex::encode(chunk_commitment(&blob, &[7; 32])), CHUNK);
		assert_eq!(hex::encode(model_commitment(3, &AccountId32([1; 32]), &blob, &[7; 32])), MODEL);
		assert_ne!(
			model_commitment(3, &AccountId32([2; 32]), &blob, &[7; 32]),
			model_commitment(3, &AccountId32([1; 32]), &blob, &[7; 32])
		);
	}

	const CHUNK: &str = "fdec99f25e49070b1df0f032b34cd4a6e10aef566f8bdfe0176884113b194a73";
	const MODEL: &str = "0af04f5120f8c0bc0490b686fc40bb3dd658db8a223f3e4d1b97e526adf00537";
}
