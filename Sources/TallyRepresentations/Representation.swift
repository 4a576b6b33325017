/// The JSON shapes of Tally's records, in DRIP's spelling where DRIP has one. The HTTP API and the
/// command line both print these, so a realm, a currency or a key reads the same in a response and
/// in a terminal; neither needs the other's module to do it.
public enum Representation {}
