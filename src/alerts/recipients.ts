/** Who a message reaches: each maintainer's WeCom id and mobile, from the users table or as written. */
import type { UserContact } from './alert-config.js';
import { WECOM_USER_ID_PATTERN } from './alert-config.js';
import type { Recipients } from './alert-message.js';

/**
 * A maintainer listed in `users` is reached through that entry (an entry without `wecom` has no
 * WeCom id); one not listed is taken as a WeCom id when it looks like one. Maintainers without
 * an id are not mentioned: the message still reaches the channel's group.
 */
export function resolveRecipients(maintainers: readonly string[], users: Record<string, UserContact>): Recipients {
  const wecom = new Set<string>();
  const mobiles = new Set<string>();
  for (const maintainer of maintainers) {
    const contact = Object.hasOwn(users, maintainer) ? users[maintainer] : undefined;
    if (contact) {
      if (contact.wecom) wecom.add(contact.wecom);
      if (contact.mobile) mobiles.add(contact.mobile);
    } else if (WECOM_USER_ID_PATTERN.test(maintainer)) {
      wecom.add(maintainer);
    }
  }
  return { wecom: [...wecom], mobiles: [...mobiles] };
}
