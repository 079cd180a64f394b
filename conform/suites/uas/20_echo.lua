-- The echo rules and tags of responses (RFC 3261 §8.2.6.2, §17.2.1, §18.2).
local c = require "conform"

return {
  {
    id = "UAS-025", title = "OPTIONS: the echo rules hold", section = "§8.2.6.2", role = "uas",
    passes = "the final response copies From, Call-ID, CSeq, the Via values in order and the To URI",
    steps = {
      { send = c.request({ method = "OPTIONS" }) },
      { expect = { echo = true } },
    },
  },
}
