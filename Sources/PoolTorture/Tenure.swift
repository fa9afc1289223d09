/// One holder's time in one slot, from its log: from BEGIN (marker created) to END, or, for a holder that
/// never logged END, to its ABANDON line or to the moment the killer signalled it.
struct Tenure {
    enum Ending {
        case released
        case abandoned
        case killed
        /// The run ended (STOP) while the holder was in the slot.
        case stopped
        /// The holder died by itself, or nothing says how it ended.
        case unexplained
    }

    var holder: Int
    var path: String
    var token: Int64
    var begin: Int64
    var end: Int64
    var ending: Ending

    /// A tenure that ended without a release: its lease must have been reclaimed.
    var needsReclaim: Bool { ending != .released }
}
