// UAS/registrar side: checks the response of received Digest credentials against a password.
#pragma once
#include <string_view>

#include "sip/digest.hpp"

namespace sipstorm::auth {

// True when creds is a Digest answer whose response matches password for this method (and body, for
// qop=auth-int). Checks only the hash: the caller still decides whether it issued creds.nonce (and
// whether it is fresh), whether creds.realm is its realm, whether creds.uri matches the Request-URI,
// and whether nc is increasing (replay). False for unsupported algorithms and for userhash=true (we
// cannot map a hashed username back to a password here).
bool verify(const sip::DigestCredentials& creds, std::string_view password, std::string_view method,
            std::string_view body = {});

}  // namespace sipstorm::auth
