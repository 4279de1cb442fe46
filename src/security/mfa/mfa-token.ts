/** wxm_ + 43 base64url characters (256 bits): what newOpaqueToken('wxm_') makes. */
export const MFA_TOKEN_PREFIX = 'wxm_';
export const MFA_TOKEN = /^wxm_[A-Za-z0-9_-]{43}$/;
