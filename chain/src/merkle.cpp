#include "vs/chain/merkle.h"

#include <bit>

namespace vs::chain {
namespace {

// The largest power of two strictly below n (n >= 2).
std::uint64_t split_point(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

}  // namespace

Digest Merkle::leaf_hash(ByteView data) const {
  static constexpr std::uint8_t kLeafPrefix[] = {0x00};
  return sha_.digest({ByteView(kLeafPrefix), data});
}

Digest Merkle::node_hash(const Digest& left, const Digest& right) const {
  static constexpr std::uint8_t kNodePrefix[] = {0x01};
  return sha_.digest({ByteView(kNodePrefix), ByteView(left), ByteView(right)});
}

Digest Merkle::root(std::span<const Digest> leaf_hashes) const {
  if (leaf_hashes.empty()) return sha_.digest(ByteView());
  // Bottom-up, promoting a lone last node unchanged: the same tree as the
  // RFC's recursive split, without recursion.
  std::vector<Digest> level(leaf_hashes.begin(), leaf_hashes.end());
  while (level.size() > 1) {
    std::size_t pairs = level.size() / 2;
    for (std::size_t i = 0; i < pairs; ++i) level[i] = node_hash(level[2 * i], level[2 * i + 1]);
    if (level.size() % 2 == 1) {
      level[pairs] = level.back();
      level.resize(pairs + 1);
    } else {
      level.resize(pairs);
    }
  }
  return level.front();
}

void Merkle::append_inclusion(std::span<const Digest> leaves, std::uint64_t index,
                              std::vector<Digest>& proof) const {
  if (leaves.size() <= 1) return;
  // Below leaves.size(), so a size_t on every platform.
  auto k = static_cast<std::size_t>(split_point(leaves.size()));
  if (index < k) {
    append_inclusion(leaves.first(k), index, proof);
    proof.push_back(root(leaves.subspan(k)));
  } else {
    append_inclusion(leaves.subspan(k), index - k, proof);
    proof.push_back(root(leaves.first(k)));
  }
}

Result<std::vector<Digest>> Merkle::inclusion_proof(std::span<const Digest> leaf_hashes,
                                                    std::uint64_t index) const {
  if (index >= leaf_hashes.size()) {
    return Error(ErrorCode::kInvalidArgument, "leaf index is not inside the tree");
  }
  std::vector<Digest> proof;
  append_inclusion(leaf_hashes, index, proof);
  return proof;
}

std::vector<std::vector<Digest>> Merkle::all_inclusion_proofs(
    std::span<const Digest> leaf_hashes) const {
  // Bottom-up levels, as in root(): at each level a node's sibling joins its
  // path, and a lone last node is promoted without one. This gives the
  // RFC 9162 path of every leaf.
  std::vector<std::vector<Digest>> proofs(leaf_hashes.size());
  std::vector<Digest> level(leaf_hashes.begin(), leaf_hashes.end());
  std::vector<std::size_t> position(leaf_hashes.size());  // each leaf's node index at this level
  for (std::size_t i = 0; i < position.size(); ++i) position[i] = i;
  while (level.size() > 1) {
    for (std::size_t leaf = 0; leaf < proofs.size(); ++leaf) {
      std::size_t node = position[leaf];
      std::size_t sibling = node ^ 1;
      if (sibling < level.size()) proofs[leaf].push_back(level[sibling]);
      position[leaf] = node / 2;
    }
    std::size_t pairs = level.size() / 2;
    std::vector<Digest> next;
    next.reserve(pairs + 1);
    for (std::size_t i = 0; i < pairs; ++i)
      next.push_back(node_hash(level[2 * i], level[2 * i + 1]));
    if (level.size() % 2 == 1) next.push_back(level.back());
    level = std::move(next);
  }
  return proofs;
}

void Merkle::append_subproof(std::span<const Digest> leaves, std::uint64_t old_size, bool whole,
                             std::vector<Digest>& proof) const {
  std::uint64_t n = leaves.size();
  if (old_size == n) {
    if (!whole) proof.push_back(root(leaves));
    return;
  }
  auto k = static_cast<std::size_t>(split_point(n));  // below n = leaves.size()
  if (old_size <= k) {
    append_subproof(leaves.first(k), old_size, whole, proof);
    proof.push_back(root(leaves.subspan(k)));
  } else {
    append_subproof(leaves.subspan(k), old_size - k, false, proof);
    proof.push_back(root(leaves.first(k)));
  }
}

Result<std::vector<Digest>> Merkle::consistency_proof(std::span<const Digest> leaf_hashes,
                                                      std::uint64_t old_size) const {
  if (old_size > leaf_hashes.size()) {
    return Error(ErrorCode::kInvalidArgument, "old tree size is larger than the tree");
  }
  std::vector<Digest> proof;
  if (old_size == 0 || old_size == leaf_hashes.size()) return proof;
  append_subproof(leaf_hashes, old_size, true, proof);
  return proof;
}

Status Merkle::verify_inclusion(const Digest& leaf_hash, std::uint64_t index,
                                std::uint64_t tree_size, std::span<const Digest> proof,
                                const Digest& root_hash) const {
  if (index >= tree_size) {
    return Error(ErrorCode::kIntegrity, "inclusion proof: leaf index is not inside the tree");
  }
  // RFC 9162 section 2.1.3.2.
  std::uint64_t fn = index;
  std::uint64_t sn = tree_size - 1;
  Digest r = leaf_hash;
  for (const Digest& p : proof) {
    if (sn == 0) return Error(ErrorCode::kIntegrity, "inclusion proof is longer than the tree");
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Error(ErrorCode::kIntegrity, "inclusion proof is shorter than the tree");
  if (r != root_hash)
    return Error(ErrorCode::kIntegrity, "inclusion proof does not lead to the root");
  return {};
}

Status Merkle::verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                  const Digest& old_root, const Digest& new_root,
                                  std::span<const Digest> proof) const {
  if (old_size > new_size) {
    return Error(ErrorCode::kIntegrity, "consistency proof: the old tree is larger than the new");
  }
  if (old_size == new_size || old_size == 0) {
    if (!proof.empty()) return Error(ErrorCode::kIntegrity, "consistency proof should be empty");
    if (old_size == 0) {
      if (old_root != root({})) {
        return Error(ErrorCode::kIntegrity, "consistency proof: old root is not the empty root");
      }
      return {};
    }
    if (old_root != new_root) {
      return Error(ErrorCode::kIntegrity, "trees of the same size have different roots");
    }
    return {};
  }
  if (proof.empty()) return Error(ErrorCode::kIntegrity, "consistency proof is empty");
  // RFC 9162 section 2.1.4.2.
  std::vector<Digest> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = path.front();
  Digest sr = path.front();
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Digest& c = path[i];
    if (sn == 0) return Error(ErrorCode::kIntegrity, "consistency proof is longer than the tree");
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Error(ErrorCode::kIntegrity, "consistency proof is shorter than the tree");
  if (fr != old_root) {
    return Error(ErrorCode::kIntegrity, "consistency proof does not lead to the old root");
  }
  if (sr != new_root) {
    return Error(ErrorCode::kIntegrity, "consistency proof does not lead to the new root");
  }
  return {};
}

}  // namespace vs::chain
