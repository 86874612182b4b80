#include <map>
#include <mutex>

#include "vs/agent/board.h"

namespace vs::agent {
namespace {

std::map<std::string, BoardFactory, std::less<>>& registry() {
  static std::map<std::string, BoardFactory, std::less<>> boards;
  return boards;
}

}  // namespace

BoardRegistry::Registration::Registration(const char* name, BoardFactory factory) {
  registry()[name] = factory;
}

Result<BoardFactory> BoardRegistry::find(std::string_view name) {
  auto it = registry().find(name);
  if (it == registry().end())
    return Error(ErrorCode::kNotFound, "no board of this name is built in");
  return it->second;
}

std::vector<std::string> BoardRegistry::names() {
  std::vector<std::string> out;
  for (const auto& [name, factory] : registry()) out.push_back(name);
  return out;
}

}  // namespace vs::agent
