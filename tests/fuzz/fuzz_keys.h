// Fixed keys for fuzzing only: with them the committed corpus holds blocks
// and receipts whose signatures verify, so mutations reach the code past
// the signature check. Never used outside tests/fuzz.
#pragma once

namespace vs::fuzz {

inline constexpr char kDevicePrivateKeyPem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEINCz4eQKUM3j8Bz5c49rSXjIq9AFxxTbtAUNBkTo9dXSoAoGCCqGSM49\n"
    "AwEHoUQDQgAEY/10ru6mQZaTptV1+9XJa/mzJ1HCowptrRMi/JRiHO5BmkFZkDol\n"
    "9xnBrXYRZAgh1W4ZtMIICyRtNVd1vtTLHQ==\n"
    "-----END EC PRIVATE KEY-----\n";

inline constexpr char kGatewayPrivateKeyPem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIGE2uYIw25vsIMKbpOgF5UHw0vBstmORl2N+aR1pCv1OoAoGCCqGSM49\n"
    "AwEHoUQDQgAEEJKRWhEROab4DyczfboVZuUC+u1FrOlna1ZUWLkgO2UHmsp6FG2D\n"
    "SkM2s7X3zD2jB8Paj42+svzRLfSVuxBGxA==\n"
    "-----END EC PRIVATE KEY-----\n";

}  // namespace vs::fuzz
