/// The sentences of the errors every store throws, worded once so that the backends answer
/// alike and a client sees the same text whichever one is behind the server.
///
/// Not found is one contract (see `LedgerReadModel`): a read of one thing a route names returns
/// it or throws one of these 404s, the realm's first when the realm is missing too, so no caller
/// has to look again to word the error. An unknown member is `MEMBER_NOT_FOUND`, answered 404
/// when the route addressed it and 400 when a change of a batch named it (`MemberNaming`).
extension TallyError {
    /// 404: the realm does not exist.
    public static func realmNotFound(_ id: RealmID) -> TallyError {
        TallyError(.notFound, "Realm \(id) was not found.")
    }

    /// 404: the realm holds no such currency.
    public static func notFound(_ id: CurrencyID, in realm: RealmID) -> TallyError {
        TallyError(.notFound, "Currency \(id) was not found in realm \(realm).")
    }

    /// 404 `MEMBER_NOT_FOUND`: the realm holds no such member, and the route addressed it by its
    /// path (`MemberNaming.addressed`).
    public static func notFound(_ id: MemberID, in realm: RealmID) -> TallyError {
        .memberNotFound(
            "Member \(id) was not found in realm \(realm).", details: ["dripId": .text(id.rawValue)],
            naming: .addressed)
    }

    /// 404 for a currency named by text that may not even be an id (shortened to 64 characters).
    public static func unknownCurrency(named text: String, in realm: RealmID) -> TallyError {
        TallyError(.notFound, "Currency \(text.prefix(64)) was not found in realm \(realm).")
    }

    /// `CURRENCY_NOT_FOUND` for a leaderboard: the currency asked for does not exist, or, when
    /// none was asked for, the realm has no default.
    public static func leaderboardCurrencyNotFound(_ id: CurrencyID?, in realm: RealmID) -> TallyError {
        TallyError(
            .currencyNotFound,
            id.map { "Currency \($0) does not exist in realm \(realm)." }
                ?? "Realm \(realm) has no default currency; pass currencyId.")
    }

    /// 404: there is no such key.
    public static func notFound(_ id: KeyID) -> TallyError {
        TallyError(.notFound, "Key \(id) was not found.")
    }

    /// 409: another realm has the subdomain.
    public static func subdomainTaken(_ subdomain: String?) -> TallyError {
        TallyError(.conflict, "The subdomain '\(subdomain ?? "")' is taken.")
    }

    /// 409: a credential of `credentials` is taken in the realm. `kind` is the clashing one when
    /// the database said which; `row` (0-based) of `rows` is named when more than one was written.
    public static func credentialTaken(_ kind: Credentials.Kind?, of credentials: Credentials, row: Int, rows: Int)
        -> TallyError
    {
        let what = kind.map { "\($0.rawValue) '\(credentials[$0] ?? "")'" } ?? "a credential"
        let place = rows > 1 ? "Row \(row + 1): " : ""
        return TallyError(.conflict, "\(place)a member with \(what) already exists in this realm.")
    }

    /// 409: the `Idempotency-Key` was used before for a different request.
    public static func idempotencyKeyReused(_ key: String) -> TallyError {
        TallyError(.idempotencyKeyReused, "Idempotency-Key '\(key)' was already used for a different request.")
    }

    /// 400: new currency limits would leave `count` existing balances outside them.
    public static func balancesOutsideLimits(_ count: Int) -> TallyError {
        .validation("\(count) existing balance(s) would fall outside the new minimumBalance/maximumBalance.")
    }
}

/// The sentences of the ghost credential rules (`CredentialPlanner`).
extension TallyError {
    /// 404 `CREDENTIAL_NOT_FOUND`: the realm holds no credential for the identity.
    public static func credentialNotFound(_ identity: CredentialIdentity, in realm: RealmID) -> TallyError {
        TallyError(
            .credentialNotFound, "No credential \(identity) exists in realm \(realm).",
            details: ["type": .text(identity.kind.rawValue), "value": .text(String(identity.value.prefix(64)))])
    }

    /// 409: a credential for the identity already exists.
    public static func credentialExists(_ identity: CredentialIdentity) -> TallyError {
        TallyError(.conflict, "A credential \(identity) already exists in this realm.")
    }

    /// 409: the identity is a credential of another member than the one asked for.
    public static func credentialOwned(_ identity: CredentialIdentity, by owner: MemberID) -> TallyError {
        TallyError(.conflict, "The credential \(identity) belongs to member \(owner).")
    }

    /// 409: the credential is already linked to another member; linking is one-way.
    public static func credentialLinked(_ identity: CredentialIdentity, to account: MemberID) -> TallyError {
        TallyError(.conflict, "The credential \(identity) is already linked to member \(account); linking is one-way.")
    }

    /// 400 `CANNOT_DELETE_WITH_BALANCES`.
    public static func cannotDeleteWithBalances(_ identity: CredentialIdentity) -> TallyError {
        TallyError(
            .cannotDeleteWithBalances,
            "The credential \(identity) still holds balances; move or link them before deleting it.")
    }
}

/// The sentences of loading a file (`LedgerLoader`, `ImportChecker`): each names the line.
extension TallyError {
    /// The same error, its message beginning with the line of the file it is about.
    public func at(line: Int) -> TallyError {
        TallyError(code, "Line \(line): \(message)", details: details)
    }

    /// 409: a record of the file clashes with one the database holds, or with an earlier record
    /// of the file (`what` names the record, `clash` what it clashed on).
    public static func loadClash(line: Int, _ what: String, clash: String) -> TallyError {
        TallyError(.conflict, "Line \(line): the \(what) clashes with \(clash); nothing was imported.")
    }

    /// 409: a member of the file has a credential of `kind` that a member of the realm (stored,
    /// or earlier in the file) has already, compared as `CredentialMatching` compares them.
    public static func loadCredentialTaken(line: Int, _ kind: Credentials.Kind, of credentials: Credentials)
        -> TallyError
    {
        TallyError(
            .conflict,
            "Line \(line): a member with \(kind.rawValue) '\(credentials[kind] ?? "")' already exists in this realm or earlier in the file; nothing was imported."
        )
    }

    /// 400: a record of the file names something absent or breaks a rule of the schema.
    public static func loadRefused(line: Int, _ what: String, because reason: String) -> TallyError {
        .validation("Line \(line): the \(what) was refused (\(reason)); nothing was imported.")
    }
}
