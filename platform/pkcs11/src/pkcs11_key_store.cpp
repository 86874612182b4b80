#include "vs/platform/pkcs11_key_store.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <mutex>
#include <vector>

namespace vs::platform {
namespace {

// DER of the P-256 curve's OID, and the SubjectPublicKeyInfo header that
// precedes an uncompressed P-256 point.
constexpr std::uint8_t kP256Oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::uint8_t kSpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

Error token_error(const char* what, CK_RV rv) {
  return Error(ErrorCode::kInternal, what, static_cast<int>(rv))
      .about("PKCS#11 error 0x" +
             to_hex(Bytes{static_cast<std::uint8_t>(rv >> 8), static_cast<std::uint8_t>(rv)}));
}

std::string token_label(const CK_TOKEN_INFO& info) {
  std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
  label.erase(label.find_last_not_of(' ') + 1);
  return label;
}

}  // namespace

struct Pkcs11KeyStore::Token {
  void* library = nullptr;
  CK_FUNCTION_LIST_PTR functions = nullptr;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  bool finalize = false;  // this store initialised the module
  std::mutex mutex;       // one session: one call at a time

  Token() = default;
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  ~Token() {
    if (session != CK_INVALID_HANDLE) {
      functions->C_Logout(session);
      functions->C_CloseSession(session);
    }
    if (finalize) functions->C_Finalize(nullptr);
    if (library != nullptr) ::dlclose(library);
  }

  // Callers hold `mutex`.
  Result<std::optional<CK_OBJECT_HANDLE>> find(CK_OBJECT_CLASS object_class,
                                               std::string_view label) {
    CK_ATTRIBUTE query[] = {
        {CKA_CLASS, &object_class, sizeof object_class},
        {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
    };
    CK_RV rv = functions->C_FindObjectsInit(session, query, 2);
    if (rv != CKR_OK) return token_error("cannot search the token", rv);
    CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
    CK_ULONG found = 0;
    rv = functions->C_FindObjects(session, &handle, 1, &found);
    functions->C_FindObjectsFinal(session);
    if (rv != CKR_OK) return token_error("cannot search the token", rv);
    if (found == 0) return std::optional<CK_OBJECT_HANDLE>();
    return std::optional<CK_OBJECT_HANDLE>(handle);
  }

  Result<Bytes> subject_public_key_info(CK_OBJECT_HANDLE public_key) {
    CK_ATTRIBUTE point{CKA_EC_POINT, nullptr, 0};
    CK_RV rv = functions->C_GetAttributeValue(session, public_key, &point, 1);
    if (rv != CKR_OK || point.ulValueLen > 256) return token_error("cannot read the EC point", rv);
    Bytes value(point.ulValueLen);
    point.pValue = value.data();
    rv = functions->C_GetAttributeValue(session, public_key, &point, 1);
    if (rv != CKR_OK) return token_error("cannot read the EC point", rv);
    // Tokens give the point DER-wrapped in an OCTET STRING (the standard) or bare.
    ByteView bare(value);
    if (value.size() == 67 && value[0] == 0x04 && value[1] == 0x41) bare = bare.subspan(2);
    if (bare.size() != 65 || bare[0] != 0x04)
      return Error(ErrorCode::kUnsupported, "the token's key is not an uncompressed P-256 point");
    Bytes spki(std::begin(kSpkiPrefix), std::end(kSpkiPrefix));
    spki.insert(spki.end(), bare.begin(), bare.end());
    return spki;
  }
};

namespace {

class Pkcs11Signer final : public Signer {
 public:
  Pkcs11Signer(std::shared_ptr<Pkcs11KeyStore::Token> token, CK_OBJECT_HANDLE key, Bytes spki)
      : token_(std::move(token)), key_(key), public_key_(std::move(spki)) {}

  Result<Signature> sign(const Digest& digest) override {
    std::lock_guard lock(token_->mutex);
    CK_MECHANISM mechanism{CKM_ECDSA, nullptr, 0};
    CK_RV rv = token_->functions->C_SignInit(token_->session, &mechanism, key_);
    if (rv != CKR_OK) return token_error("the token would not start signing", rv);
    Signature signature{};
    CK_ULONG size = signature.size();
    rv = token_->functions->C_Sign(token_->session, const_cast<CK_BYTE_PTR>(digest.data()),
                                   digest.size(), signature.data(), &size);
    if (rv != CKR_OK) return token_error("the token failed to sign", rv);
    if (size != signature.size())
      return Error(ErrorCode::kInternal, "the token's signature is not 64 bytes (r || s)");
    return signature;
  }
  ByteView public_key() const override { return public_key_; }

 private:
  std::shared_ptr<Pkcs11KeyStore::Token> token_;
  CK_OBJECT_HANDLE key_;
  Bytes public_key_;
};

}  // namespace

Pkcs11KeyStore::Pkcs11KeyStore(std::shared_ptr<Token> token) : token_(std::move(token)) {}
Pkcs11KeyStore::~Pkcs11KeyStore() = default;

Result<std::unique_ptr<Pkcs11KeyStore>> Pkcs11KeyStore::open(const Pkcs11Options& options) {
  auto token = std::make_shared<Token>();
  token->library = ::dlopen(options.module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (token->library == nullptr)
    return Error(ErrorCode::kNotFound, "cannot load the PKCS#11 module")
        .about(options.module.string());
  auto get_functions =
      reinterpret_cast<CK_C_GetFunctionList>(::dlsym(token->library, "C_GetFunctionList"));
  if (get_functions == nullptr || get_functions(&token->functions) != CKR_OK)
    return Error(ErrorCode::kUnsupported, "not a PKCS#11 module").about(options.module.string());
  CK_C_INITIALIZE_ARGS init{};
  init.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = token->functions->C_Initialize(&init);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
    return token_error("the PKCS#11 module would not initialise", rv);
  token->finalize = rv == CKR_OK;

  CK_ULONG count = 0;
  rv = token->functions->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) return token_error("cannot list the token slots", rv);
  std::vector<CK_SLOT_ID> slots(count);
  rv = token->functions->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) return token_error("cannot list the token slots", rv);
  std::optional<CK_SLOT_ID> slot;
  for (CK_ULONG i = 0; i < count && !slot; ++i) {
    CK_TOKEN_INFO info{};
    if (token->functions->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
        token_label(info) == options.token_label)
      slot = slots[i];
  }
  if (!slot)
    return Error(ErrorCode::kNotFound, "no token with this label").about(options.token_label);
  rv = token->functions->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                       &token->session);
  if (rv != CKR_OK) return token_error("cannot open a session on the token", rv);
  rv = token->functions->C_Login(
      token->session, CKU_USER,
      reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(options.pin.data())), options.pin.size());
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_LOCKED)
    return Error(ErrorCode::kPermission, "the token refused the PIN").about(options.token_label);
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
    return token_error("cannot log in to the token", rv);
  return std::unique_ptr<Pkcs11KeyStore>(new Pkcs11KeyStore(std::move(token)));
}

Result<std::unique_ptr<Signer>> Pkcs11KeyStore::create(std::string_view key_name) {
  if (key_name.empty() || key_name.size() > 64)
    return Error(ErrorCode::kInvalidArgument, "a key name is 1 to 64 characters");
  std::lock_guard lock(token_->mutex);
  VS_TRY_ASSIGN(auto existing, token_->find(CKO_PRIVATE_KEY, key_name));
  if (existing)
    return Error(ErrorCode::kConflict, "the token has a key of this name")
        .about(std::string(key_name));
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  char* label = const_cast<char*>(key_name.data());
  CK_ATTRIBUTE public_template[] = {
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_VERIFY, &yes, sizeof yes},
      {CKA_EC_PARAMS, const_cast<std::uint8_t*>(kP256Oid), sizeof kP256Oid},
      {CKA_LABEL, label, key_name.size()},
  };
  CK_ATTRIBUTE private_template[] = {
      {CKA_TOKEN, &yes, sizeof yes},     {CKA_PRIVATE, &yes, sizeof yes},
      {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &no, sizeof no},
      {CKA_SIGN, &yes, sizeof yes},      {CKA_LABEL, label, key_name.size()},
  };
  CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE, private_key = CK_INVALID_HANDLE;
  CK_RV rv = token_->functions->C_GenerateKeyPair(
      token_->session, &mechanism, public_template, std::size(public_template), private_template,
      std::size(private_template), &public_key, &private_key);
  if (rv != CKR_OK) return token_error("the token would not generate a P-256 key pair", rv);
  VS_TRY_ASSIGN(Bytes spki, token_->subject_public_key_info(public_key));
  return std::unique_ptr<Signer>(
      std::make_unique<Pkcs11Signer>(token_, private_key, std::move(spki)));
}

Result<std::unique_ptr<Signer>> Pkcs11KeyStore::load(std::string_view key_name) {
  std::lock_guard lock(token_->mutex);
  VS_TRY_ASSIGN(auto private_key, token_->find(CKO_PRIVATE_KEY, key_name));
  VS_TRY_ASSIGN(auto public_key, token_->find(CKO_PUBLIC_KEY, key_name));
  if (!private_key || !public_key)
    return Error(ErrorCode::kNotFound, "the token holds no key pair of this name")
        .about(std::string(key_name));
  VS_TRY_ASSIGN(Bytes spki, token_->subject_public_key_info(*public_key));
  return std::unique_ptr<Signer>(
      std::make_unique<Pkcs11Signer>(token_, *private_key, std::move(spki)));
}

Result<Bytes> Pkcs11KeyStore::public_key(std::string_view key_name) {
  std::lock_guard lock(token_->mutex);
  VS_TRY_ASSIGN(auto public_key, token_->find(CKO_PUBLIC_KEY, key_name));
  if (!public_key)
    return Error(ErrorCode::kNotFound, "the token holds no key of this name")
        .about(std::string(key_name));
  return token_->subject_public_key_info(*public_key);
}

}  // namespace vs::platform
