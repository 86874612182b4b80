// Bounds on every message decoded from outside bytes. The .options files
// hold the same numbers for the fixed-size fields; keep both in step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vs::proto {

inline constexpr std::uint32_t kBlockVersion = 1;
inline constexpr std::uint32_t kReceiptVersion = 1;
inline constexpr std::uint32_t kControlVersion = 1;

inline constexpr std::size_t kDeviceIdSize = 16;
inline constexpr std::size_t kHashSize = 32;
inline constexpr std::size_t kSignatureSize = 64;

inline constexpr std::size_t kMaxWaveformSamples = 2048;
inline constexpr std::size_t kMaxSubjectChars = 64;
inline constexpr std::size_t kMaxRecipientChars = 128;
inline constexpr std::size_t kMaxPublicKeyBytes = 160;
inline constexpr std::size_t kMaxEventTextChars = 128;

inline constexpr std::size_t kMaxHeaderBytes = 256;
inline constexpr std::size_t kMaxEntryBytes = 16 * 1024;
inline constexpr std::size_t kMaxBlockEntries = 4096;
inline constexpr std::size_t kMaxBlockBytes = 8 * 1024 * 1024;

inline constexpr std::size_t kMaxInclusionPath = 64;
inline constexpr std::size_t kMaxReceiptBodyBytes = 4096;
// A Receipt: its body, a signature, a key id and their framing.
inline constexpr std::size_t kMaxReceiptBytes = kMaxReceiptBodyBytes + 128;
inline constexpr std::size_t kMaxChainIdChars = 64;
inline constexpr std::size_t kMaxResendReasonChars = 64;
inline constexpr std::size_t kResendNonceSize = 16;
inline constexpr std::size_t kMaxResendRequestBytes = 160;
// What the gateway sends a device (a receipt or a signed resend request):
// the largest MQTT payload an agent takes.
inline constexpr std::size_t kMaxAgentInboundBytes = kMaxReceiptBytes;

}  // namespace vs::proto
