#include "vs/platform/curl_evm_rpc.h"

#include "vs/platform/evm_reply.h"

#include <curl/curl.h>

#include <mutex>

namespace vs::platform {
namespace {

constexpr std::size_t kMaxReplyBytes = 1 << 20;

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<std::string*>(user);
  std::size_t bytes = size * count;
  if (reply->size() + bytes > kMaxReplyBytes) return 0;  // aborts the transfer
  reply->append(data, bytes);
  return bytes;
}

// Request bodies are built by hand: every value is a fixed name, a hex
// string or a boolean, so no escaping is ever needed beyond quotes.
// (Appended, not `"\"" + std::string(text)`: GCC 12 at -O3 warns falsely
// on that form, -Wrestrict, GCC bug 105329.)
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

std::string transaction_object(const EvmAddress& from, const EvmAddress& to, ByteView payload);

std::string hex_data(ByteView bytes) {
  return "0x" + to_hex(bytes);
}

std::string transaction_object(const EvmAddress& from, const EvmAddress& to, ByteView payload) {
  return "{\"from\":" + quoted(to_string(from)) + ",\"to\":" + quoted(to_string(to)) +
         ",\"data\":" + quoted(hex_data(payload)) + "}";
}

std::string hex_quantity(std::uint64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

struct CurlEvmRpc::Impl {
  std::string url;
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  std::uint64_t next_id = 1;

  ~Impl() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  // The reply's text, once HTTP said 200; EvmReply reads it.
  // `params`: the JSON array's elements, already encoded.
  Result<std::string> call(const char* method, const std::string& params) {
    std::string body = "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(next_id++) +
                       ",\"method\":" + quoted(method) + ",\"params\":[" + params + "]}";
    std::string reply;
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
      return Error(ErrorCode::kUnavailable, "the JSON-RPC node cannot be reached",
                   static_cast<int>(code))
          .about(url + " (" + method + "): " + curl_easy_strerror(code));
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
      return Error(ErrorCode::kUnavailable, "the JSON-RPC node answered with an HTTP error",
                   static_cast<int>(status))
          .about(url + " (" + method + "): HTTP " + std::to_string(status));
    }
    return reply;
  }
};

Result<std::unique_ptr<CurlEvmRpc>> CurlEvmRpc::open(std::string url,
                                                     std::chrono::milliseconds timeout) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return Error(ErrorCode::kInvalidArgument, "must start with http:// or https://").about(url);
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(url);
  impl->curl = curl_easy_init();
  if (impl->curl == nullptr) return Error(ErrorCode::kInternal, "curl_easy_init failed");
  impl->headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(impl->curl, CURLOPT_URL, impl->url.c_str());
  curl_easy_setopt(impl->curl, CURLOPT_HTTPHEADER, impl->headers);
  curl_easy_setopt(impl->curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(impl->curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(impl->curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(impl->curl, CURLOPT_NOSIGNAL, 1L);
  return std::unique_ptr<CurlEvmRpc>(new CurlEvmRpc(std::move(impl)));
}

CurlEvmRpc::CurlEvmRpc(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlEvmRpc::~CurlEvmRpc() = default;

Result<std::uint64_t> CurlEvmRpc::chain_id() {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_chainId", ""));
  return EvmReply::quantity(reply, "eth_chainId");
}

Result<std::uint64_t> CurlEvmRpc::block_number() {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_blockNumber", ""));
  return EvmReply::quantity(reply, "eth_blockNumber");
}

Result<std::optional<EvmBlock>> CurlEvmRpc::block_by_number(std::uint64_t number) {
  VS_TRY_ASSIGN(std::string reply,
                impl_->call("eth_getBlockByNumber", quoted(hex_quantity(number)) + ",false"));
  return EvmReply::block(reply);
}

Result<std::uint64_t> CurlEvmRpc::pending_nonce(const EvmAddress& account) {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_getTransactionCount",
                                               quoted(to_string(account)) + ",\"pending\""));
  return EvmReply::quantity(reply, "eth_getTransactionCount");
}

Result<std::uint64_t> CurlEvmRpc::base_fee() {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_getBlockByNumber", "\"latest\",false"));
  return EvmReply::quantity_field(reply, "eth_getBlockByNumber", "baseFeePerGas");
}

Result<std::uint64_t> CurlEvmRpc::max_priority_fee() {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_maxPriorityFeePerGas", ""));
  return EvmReply::quantity(reply, "eth_maxPriorityFeePerGas");
}

Result<std::uint64_t> CurlEvmRpc::estimate_gas(const EvmAddress& from, const EvmAddress& to,
                                               ByteView payload) {
  VS_TRY_ASSIGN(std::string reply,
                impl_->call("eth_estimateGas", transaction_object(from, to, payload)));
  return EvmReply::quantity(reply, "eth_estimateGas");
}

Result<Digest> CurlEvmRpc::send_transaction(const EvmAddress& from, const EvmAddress& to,
                                            ByteView payload) {
  VS_TRY_ASSIGN(std::string reply,
                impl_->call("eth_sendTransaction", transaction_object(from, to, payload)));
  return EvmReply::hash(reply, "eth_sendTransaction");
}

Result<Digest> CurlEvmRpc::send_raw_transaction(ByteView signed_transaction) {
  VS_TRY_ASSIGN(std::string reply,
                impl_->call("eth_sendRawTransaction", quoted(hex_data(signed_transaction))));
  return EvmReply::hash(reply, "eth_sendRawTransaction");
}

Result<std::optional<EvmTransactionReceipt>> CurlEvmRpc::transaction_receipt(const Digest& tx) {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_getTransactionReceipt", quoted(hex_data(tx))));
  return EvmReply::transaction_receipt(reply);
}

Result<std::optional<Bytes>> CurlEvmRpc::transaction_input(const Digest& tx) {
  VS_TRY_ASSIGN(std::string reply, impl_->call("eth_getTransactionByHash", quoted(hex_data(tx))));
  return EvmReply::transaction_input(reply);
}

}  // namespace vs::platform
