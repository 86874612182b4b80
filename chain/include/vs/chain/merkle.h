#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"

namespace vs::chain {

// RFC 9162 Merkle trees (the RFC 6962 tree): leaf = SHA-256(0x00 || data),
// node = SHA-256(0x01 || left || right), the split at the largest power of
// two below n. Used for the entries of a block and for the gateway's batches
// of block hashes. Functions take leaf hashes, not leaf data.
class Merkle {
 public:
  explicit Merkle(const platform::Sha256& sha) : sha_(sha) {}

  Digest leaf_hash(ByteView data) const;
  Digest node_hash(const Digest& left, const Digest& right) const;
  // The root of the empty tree is SHA-256 of the empty string.
  Digest root(std::span<const Digest> leaf_hashes) const;

  // kInvalidArgument when index >= leaf_hashes.size().
  Result<std::vector<Digest>> inclusion_proof(std::span<const Digest> leaf_hashes,
                                              std::uint64_t index) const;
  // Every leaf's inclusion proof at once, in O(n) hashes (a batch's receipts).
  std::vector<std::vector<Digest>> all_inclusion_proofs(std::span<const Digest> leaf_hashes) const;
  // Proves that the tree of the first old_size leaves is a prefix of the tree
  // of all leaf_hashes. kInvalidArgument when old_size > leaf_hashes.size().
  Result<std::vector<Digest>> consistency_proof(std::span<const Digest> leaf_hashes,
                                                std::uint64_t old_size) const;

  // kIntegrity (with the reason) when the proof does not lead to root.
  Status verify_inclusion(const Digest& leaf_hash, std::uint64_t index, std::uint64_t tree_size,
                          std::span<const Digest> proof, const Digest& root) const;
  Status verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Digest& old_root,
                            const Digest& new_root, std::span<const Digest> proof) const;

 private:
  void append_inclusion(std::span<const Digest> leaves, std::uint64_t index,
                        std::vector<Digest>& proof) const;
  void append_subproof(std::span<const Digest> leaves, std::uint64_t old_size, bool whole,
                       std::vector<Digest>& proof) const;

  const platform::Sha256& sha_;
};

}  // namespace vs::chain
