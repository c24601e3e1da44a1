import Hummingbird

/// Meetings: list, new, agenda, attendance, votes, acknowledgements, close, minutes (owned
/// by the forms work; see the board contract in the README).
struct MeetingRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {}
}
