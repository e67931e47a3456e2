/**
 * A room opened by its ID has no key in its link: said before joining (and beside its link), since
 * a group call there is not end-to-end encrypted. Two people are peer to peer (DTLS) all the same.
 */
export function NoKeyNotice({ id }: { id?: string }) {
  return (
    <p className="notice" id={id}>
      This room was opened by its ID, without a key in its link: in a group call (three or more people) its video, sound and messages are not end-to-end
      encrypted, and the media server could see them. A call of two stays encrypted peer to peer between the two browsers. For a group, start a{" "}
      <strong>New call</strong> and share its link.
    </p>
  );
}
