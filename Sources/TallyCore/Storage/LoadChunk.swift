/// Records to load together, in the order a load takes them: a realm before what it holds,
/// currencies and members before the balances and entries that name them, a ghost credential
/// after the member it may be linked to.
public enum LoadChunk: Sendable {
    /// A new realm, with its id and times as given.
    case realm(Lined<Realm>)
    /// A realm that must already exist (member import); `Not Found` otherwise.
    case existingRealm(RealmID)
    case currencies([Lined<Currency>])
    case members([Lined<Member>])
    /// Ghost credentials, each with its balance holder.
    case credentials([Lined<GhostCredential>])
    /// Balance holders of deleted ghost credentials.
    case holders([Lined<BalanceHolder>])
    /// Journal entries as given (ids, times, before and after); each store numbers them in
    /// the order given, after every entry it already holds. `sequence` is not read.
    case entries([Lined<JournalEntry>])
    case balances([Lined<StoredBalance>])
    case keys([Lined<APIKey>])
}
